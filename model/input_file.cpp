// SPDX-License-Identifier: GPL-2.0
#include "model/input_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "model/profile.h"

namespace mmcheck::model {
namespace {

std::string SizeText(std::size_t bytes) {
  if (bytes % (std::size_t{1} << 20) == 0) return fmt::format("{} MiB", bytes >> 20);
  if (bytes % 1024 == 0) return fmt::format("{} KiB", bytes >> 10);
  return fmt::format("{} bytes", bytes);
}

// Closes a file descriptor on every path out.
struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

// The length of the UTF-8 sequence at s[i], 0 if it is not well-formed
// (overlong, surrogate, above U+10FFFF, truncated). Sets *cp.
std::size_t Utf8Length(std::string_view s, std::size_t i, char32_t* cp) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[i + k]); };
  const unsigned char lead = b(0);
  std::size_t n = lead >= 0xC2 && lead <= 0xDF   ? 2
                  : lead >= 0xE0 && lead <= 0xEF ? 3
                  : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  char32_t c = lead & (0x7F >> n);
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(k) & 0xC0) != 0x80) return 0;
    c = (c << 6) | (b(k) & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (c < kMin[n] || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) return 0;
  *cp = c;
  return n;
}

// Code points a terminal interprets rather than shows: C1 controls, and the
// bidirectional overrides that reorder what follows them on the line.
bool Unprintable(char32_t c) {
  return (c >= 0x80 && c <= 0x9F) || (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) ||
         c == 0x2028 || c == 0x2029;
}

}  // namespace

std::string ReadInputFile(const std::string& path, std::string_view what, std::size_t limit) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (f.fd < 0)
    throw ModelInputError(
        fmt::format("{}: cannot open {}: {}", Printable(path), what, std::strerror(errno)));
  struct stat st;
  if (::fstat(f.fd, &st) != 0)
    throw ModelInputError(
        fmt::format("{}: cannot read {}: {}", Printable(path), what, std::strerror(errno)));
  if (S_ISDIR(st.st_mode))
    throw ModelInputError(fmt::format("{}: is a directory, not a {}", Printable(path), what));
  auto too_large = [&] {
    return ModelInputError(fmt::format("{}: {} is larger than {}, the limit for a {}",
                                       Printable(path), what, SizeText(limit), what));
  };
  if (S_ISREG(st.st_mode) && static_cast<std::uintmax_t>(st.st_size) > limit) throw too_large();
  // Pipes and devices (/dev/stdin, /dev/zero) have no size: read up to the
  // limit and one byte more, to tell "exactly the limit" from "more".
  std::string text;
  char buf[65536];
  for (;;) {
    ssize_t got = ::read(f.fd, buf, sizeof buf);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw ModelInputError(
          fmt::format("{}: cannot read {}: {}", Printable(path), what, std::strerror(errno)));
    if (got == 0) break;
    text.append(buf, static_cast<std::size_t>(got));
    if (text.size() > limit) throw too_large();
  }
  return text;
}

std::string_view CheckInputText(std::string_view file, std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  int line = 1;
  std::size_t line_start = 0;
  auto fail = [&](std::size_t at, std::string_view why) {
    throw ModelInputError(
        fmt::format("{}:{}:{}: {}", Printable(file), line, at - line_start + 1, why));
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      continue;
    }
    if (c == '\0') fail(i, "NUL byte: a trace or profile is text");
    if (c == '\r' && i + 1 < text.size() && text[i + 1] != '\n')
      fail(i, "carriage return (\\r) inside a line: only CRLF line endings are accepted");
    if (i - line_start == kMaxInputLineBytes && c != '\r')
      fail(i, fmt::format("line is longer than {} bytes", kMaxInputLineBytes));
  }
  return text;
}

std::string Printable(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    if (b >= 0x20 && b < 0x7F) {
      out += static_cast<char>(b);
      ++i;
      continue;
    }
    char32_t cp = 0;
    std::size_t n = b >= 0x80 ? Utf8Length(s, i, &cp) : 0;
    if (n > 0 && !Unprintable(cp)) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    }
    out += b == '\t' ? "\\t" : b == '\n' ? "\\n" : b == '\r' ? "\\r" : fmt::format("\\x{:02x}", b);
    ++i;
  }
  return out;
}

}  // namespace mmcheck::model
