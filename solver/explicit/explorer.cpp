// Non-template parts of the explorer: names, /proc parsing, atomic file writes.
#include "solver/explicit/explorer.h"

#include <malloc.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mmcheck::solver::explicit_state {

const char* ExplorationStatusName(ExplorationStatus status) {
  switch (status) {
    case ExplorationStatus::kComplete:
      return "complete";
    case ExplorationStatus::kStoppedAtViolation:
      return "stopped-at-violation";
    case ExplorationStatus::kLimitReached:
      return "limit-reached";
  }
  return "?";
}

const char* LivenessVerdictName(LivenessVerdict verdict) {
  switch (verdict) {
    case LivenessVerdict::kHolds:
      return "holds";
    case LivenessVerdict::kViolated:
      return "violated";
    case LivenessVerdict::kNotChecked:
      return "not-checked";
  }
  return "?";
}

const Counterexample* ExplorationResult::Violation(const std::string& property) const {
  for (const Counterexample& counterexample : violations) {
    if (counterexample.label == property || counterexample.name == property) {
      return &counterexample;
    }
  }
  return nullptr;
}

namespace internal {

ZeroedBuffer::ZeroedBuffer(std::size_t bytes) : bytes_(bytes) {
  constexpr std::size_t kHugePage = std::size_t{2} << 20;
  mapped_ = (bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* memory = mmap(nullptr, mapped_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) throw std::bad_alloc();
  if (mapped_ >= kHugePage) madvise(memory, mapped_, MADV_HUGEPAGE);  // a hint; may be ignored
  data_ = static_cast<std::uint8_t*>(memory);
}

ZeroedBuffer& ZeroedBuffer::operator=(ZeroedBuffer&& other) noexcept {
  if (this != &other) {
    if (data_ != nullptr) munmap(data_, mapped_);
    data_ = other.data_;
    bytes_ = other.bytes_;
    mapped_ = other.mapped_;
    other.data_ = nullptr;
    other.bytes_ = other.mapped_ = 0;
  }
  return *this;
}

ZeroedBuffer::~ZeroedBuffer() {
  if (data_ != nullptr) munmap(data_, mapped_);
}

void ReleaseFreeMemory() {
#ifdef __GLIBC__
  malloc_trim(0);
#endif
}

}  // namespace internal

std::uint64_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0, resident = 0;
  if (!(statm >> size >> resident)) return 0;
  const long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? resident * static_cast<std::uint64_t>(page) : 0;
}

std::uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) {
      std::istringstream fields(line.substr(6));
      std::uint64_t kib = 0;
      fields >> kib;
      return kib * 1024;
    }
  }
  return 0;
}

std::string EscapeQuoted(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
          out += buffer;
        } else {
          out += c;
        }
    }
  }
  return out;
}

std::string JsonStrings(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) out += ", ";
    out += "\"" + EscapeQuoted(items[i]) + "\"";
  }
  return out + "]";
}

}  // namespace mmcheck::solver::explicit_state
