// SPDX-License-Identifier: GPL-2.0
#include "traces/output_file.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <set>
#include <streambuf>

#include <fmt/format.h>

namespace mmcheck::traces {
namespace {

namespace fs = std::filesystem;

// "cannot write PATH: WHAT: strerror" ("cannot write PATH: strerror" when `what` is empty).
[[noreturn]] void Fail(const std::string& path, std::string_view what, int error) {
  throw OutputError(fmt::format("cannot write {}: {}{}", path,
                                what.empty() ? "" : fmt::format("{}: ", what),
                                std::strerror(error)));
}

// The kernel's MAXSYMLINKS.
constexpr int kMaxSymlinks = 40;

// What a write to a path does.
struct Target {
  std::string path;     // the name to write: the path itself, or where its links lead
  bool direct = false;  // a FIFO or character device: written in place, no rename
  bool exists = false;  // a regular file is there (its mode is kept)
  mode_t mode = 0;
};

// Follows the symbolic links of `path`'s last component, lexically, so that a link to a file
// that does not exist yet leads to the name to create.
std::string FollowLinks(const std::string& path) {
  fs::path p = path;
  for (int hops = 0;; ++hops) {
    struct stat st;
    if (lstat(p.c_str(), &st) != 0 || !S_ISLNK(st.st_mode)) return p.string();
    if (hops == kMaxSymlinks) Fail(path, "following its links", ELOOP);
    std::error_code ec;
    const fs::path target = fs::read_symlink(p, ec);
    if (ec) Fail(path, "reading the link " + p.string(), ec.value());
    p = target.is_absolute() ? target : p.parent_path() / target;
  }
}

Target Resolve(const std::string& path) {
  if (path.empty()) throw OutputError("cannot write a file with an empty name");
  Target t;
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {  // follows every link, /proc/self/fd/N included
    if (S_ISFIFO(st.st_mode) || S_ISCHR(st.st_mode)) {
      t.path = path;
      t.direct = true;
      return t;
    }
    if (S_ISDIR(st.st_mode))
      throw OutputError(fmt::format("cannot write {}: it is a directory", path));
    if (!S_ISREG(st.st_mode))
      throw OutputError(fmt::format(
          "cannot write {}: it is a {}; mmcheck writes regular files, FIFOs and character devices",
          path,
          S_ISBLK(st.st_mode)    ? "block device"
          : S_ISSOCK(st.st_mode) ? "socket"
                                 : "special file"));
    t.exists = true;
    t.mode = st.st_mode & 07777;
  } else if (errno != ENOENT) {
    Fail(path, "stat", errno);
  }
  t.path = FollowLinks(path);
  return t;
}

std::string TemporaryName(const std::string& target) {
  return fmt::format("{}.tmp.{}", target, static_cast<long>(getpid()));
}

std::string DirectoryOf(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? "." : parent.string();
}

// Opens a new temporary file; a leftover of the same name (a dead process with our pid) goes.
int CreateTemporary(const std::string& temp, const std::string& target) {
  for (int attempt = 0;; ++attempt) {
    const int fd = open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
    if (fd >= 0) return fd;
    if (errno != EEXIST || attempt == 1) Fail(target, "creating " + temp, errno);
    unlink(temp.c_str());
  }
}

// A stream buffer over a file descriptor that remembers the first write error.
class FdStreamBuf : public std::streambuf {
 public:
  explicit FdStreamBuf(int fd) : fd_(fd), buffer_(1 << 16) {
    setp(buffer_.data(), buffer_.data() + buffer_.size());
  }
  int error() const { return error_; }

 protected:
  int_type overflow(int_type c) override {
    if (Flush() != 0) return traits_type::eof();
    if (!traits_type::eq_int_type(c, traits_type::eof())) {
      *pptr() = traits_type::to_char_type(c);
      pbump(1);
    }
    return traits_type::not_eof(c);
  }
  int sync() override { return Flush(); }

 private:
  int Flush() {
    const char* p = pbase();
    while (p < pptr() && error_ == 0) {
      const ssize_t n = ::write(fd_, p, static_cast<size_t>(pptr() - p));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0)
        error_ = n < 0 ? errno : EIO;
      else
        p += n;
    }
    setp(buffer_.data(), buffer_.data() + buffer_.size());
    return error_ == 0 ? 0 : -1;
  }

  int fd_;
  std::vector<char> buffer_;
  int error_ = 0;
};

// Runs `write` into `fd`, flushes, and for a regular file syncs it. Closes `fd`. Throws
// OutputError naming `target` (and rethrows what `write` throws).
void Fill(int fd, const std::string& target, bool sync,
          const std::function<void(std::ostream&)>& write) {
  FdStreamBuf buf(fd);
  try {
    std::ostream out(&buf);
    write(out);
    out.flush();
  } catch (...) {
    close(fd);
    throw;
  }
  int error = buf.error();
  if (error == 0 && sync && fsync(fd) != 0) error = errno;
  if (close(fd) != 0 && error == 0 && errno != EINTR) error = errno;
  if (error != 0) Fail(target, "", error);
}

void SyncDirectory(const std::string& dir) {
  const int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;  // the rename is done; only its durability is not guaranteed
  fsync(fd);
  close(fd);
}

// A file written and synced under its temporary name, or written in place.
struct Staged {
  Target target;
  std::string temp;  // "" when written in place
};

Staged Stage(const std::string& path, const std::function<void(std::ostream&)>& write) {
  Staged s{Resolve(path), ""};
  if (s.target.direct) {
    const int fd = open(s.target.path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) Fail(path, "opening", errno);
    Fill(fd, path, false, write);
    return s;
  }
  s.temp = TemporaryName(s.target.path);
  const int fd = CreateTemporary(s.temp, path);
  if (s.target.exists) fchmod(fd, s.target.mode);  // a replacement keeps the file's mode
  try {
    Fill(fd, path, true, write);
  } catch (...) {
    unlink(s.temp.c_str());
    throw;
  }
  return s;
}

void Commit(const Staged& s, const std::string& path) {
  if (s.temp.empty()) return;
  if (std::rename(s.temp.c_str(), s.target.path.c_str()) != 0) {
    const int error = errno;
    unlink(s.temp.c_str());
    Fail(path, "renaming " + s.temp + " into place", error);
  }
}

bool ProcessRuns(long pid) {
  return pid > 0 && (kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

}  // namespace

void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const Staged s = Stage(path, write);
  Commit(s, path);
  if (!s.temp.empty()) SyncDirectory(DirectoryOf(s.target.path));
}

void WriteFileAtomically(const std::string& path, std::string_view text) {
  WriteFileAtomically(path, [text](std::ostream& out) {
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
  });
}

void WriteFilesAtomically(const std::vector<std::pair<std::string, std::string>>& files) {
  std::vector<Staged> staged;
  try {
    for (const auto& [path, text] : files)
      staged.push_back(Stage(path, [&text = text](std::ostream& out) {
        out.write(text.data(), static_cast<std::streamsize>(text.size()));
      }));
  } catch (...) {
    for (const Staged& s : staged)
      if (!s.temp.empty()) unlink(s.temp.c_str());
    throw;
  }
  std::set<std::string> directories;
  for (std::size_t i = 0; i < staged.size(); ++i) {
    try {
      Commit(staged[i], files[i].first);
    } catch (...) {
      for (std::size_t j = i + 1; j < staged.size(); ++j)
        if (!staged[j].temp.empty()) unlink(staged[j].temp.c_str());
      throw;
    }
    if (!staged[i].temp.empty()) directories.insert(DirectoryOf(staged[i].target.path));
  }
  for (const std::string& dir : directories) SyncDirectory(dir);
}

void CheckOutputFile(const std::string& path) {
  const Target t = Resolve(path);
  if (t.direct) return;  // opening a FIFO would wait for a reader
  const std::string temp = TemporaryName(t.path);
  close(CreateTemporary(temp, path));
  unlink(temp.c_str());
}

void PrepareOutputDirectory(const std::string& dir) {
  if (dir.empty()) throw OutputError("cannot write into a directory with an empty name");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (!fs::is_directory(dir))
    throw OutputError(fmt::format("cannot write into {}: {}", dir,
                                  ec ? ec.message() : "it exists and is not a directory"));
  const std::string probe =
      (fs::path(dir) / fmt::format(".mmcheck-write-test.tmp.{}", static_cast<long>(getpid())))
          .string();
  const int fd = open(probe.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0)
    throw OutputError(
        fmt::format("cannot write into {}: creating a file there: {}", dir, std::strerror(errno)));
  close(fd);
  unlink(probe.c_str());
}

std::vector<std::string> RemoveStaleTemporaries(const std::string& dir) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    const std::size_t at = name.rfind(".tmp.");
    if (at == std::string::npos || at == 0) continue;
    const std::string_view digits = std::string_view(name).substr(at + 5);
    long pid = 0;
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), pid);
    if (digits.empty() || error != std::errc() || end != digits.data() + digits.size()) continue;
    if (pid == static_cast<long>(getpid()) || ProcessRuns(pid)) continue;
    if (!e.is_symlink(ec) && e.is_regular_file(ec) && fs::remove(e.path(), ec))
      removed.push_back(name);
  }
  std::sort(removed.begin(), removed.end());
  return removed;
}

}  // namespace mmcheck::traces
