// SPDX-License-Identifier: GPL-2.0
// model/input_file: bounded reads of the user's files, the checks every text
// input shares, and escaping of quoted input in messages.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "tests/model/error_of.h"

#include "model/input_file.h"
#include "model/profile.h"

namespace mmcheck {
namespace {

using model::CheckInputText;
using model::ModelInputError;
using model::Printable;
using model::ReadInputFile;

using testing::ErrorOf;

std::filesystem::path TempDir() {
  auto dir = std::filesystem::temp_directory_path() /
             ("mmcheck-input-file-test-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

TEST(ReadInputFile, ReadsARegularFile) {
  auto path = TempDir() / "ok.txt";
  std::ofstream(path) << "hello\n";
  EXPECT_EQ(ReadInputFile(path.string(), "trace file"), "hello\n");
}

TEST(ReadInputFile, DirectoryIsSaidToBeADirectory) {
  const std::string dir = TempDir().string();
  EXPECT_EQ(ErrorOf([&] { ReadInputFile(dir, "trace file"); }),
            dir + ": is a directory, not a trace file");
}

TEST(ReadInputFile, MissingFileNamesTheReason) {
  EXPECT_EQ(ErrorOf([] { ReadInputFile("/nonexistent/x.mmtrace", "trace file"); }),
            "/nonexistent/x.mmtrace: cannot open trace file: No such file or directory");
}

TEST(ReadInputFile, RegularFileOverTheLimitIsRefusedWithoutReadingIt) {
  auto path = TempDir() / "big.txt";
  std::ofstream(path) << std::string(2000, 'x');
  EXPECT_EQ(ErrorOf([&] { ReadInputFile(path.string(), "trace file", 1024); }),
            path.string() + ": trace file is larger than 1 KiB, the limit for a trace file");
  EXPECT_EQ(ReadInputFile(path.string(), "trace file", 2000).size(), 2000u);
}

// /dev/zero never ends: the read stops one byte past the limit, at once.
TEST(ReadInputFile, EndlessDeviceStopsAtTheLimit) {
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(ErrorOf([] { ReadInputFile("/dev/zero", "profile file"); }),
            "/dev/zero: profile file is larger than 1 MiB, the limit for a profile file");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

// A FIFO (or /dev/stdin) is read like a file, up to the limit.
TEST(ReadInputFile, FifoIsReadToItsEnd) {
  auto path = TempDir() / "fifo";
  std::filesystem::remove(path);
  ASSERT_EQ(::mkfifo(path.c_str(), 0600), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::ofstream(path) << "from a pipe\n";
    ::_exit(0);
  }
  EXPECT_EQ(ReadInputFile(path.string(), "trace file"), "from a pipe\n");
  int status = 0;
  ::waitpid(child, &status, 0);
}

TEST(CheckInputText, SkipsAByteOrderMark) {
  EXPECT_EQ(CheckInputText("f", "\xEF\xBB\xBFmmtrace 1\n"), "mmtrace 1\n");
}

TEST(CheckInputText, NulByteIsReportedWhereItIs) {
  using namespace std::string_literals;
  EXPECT_EQ(ErrorOf([] { CheckInputText("f", "ab\ncd\0e\n"s); }),
            "f:2:3: NUL byte: a trace or profile is text");
}

TEST(CheckInputText, OnlyCrlfCarriageReturnsAreAccepted) {
  EXPECT_EQ(CheckInputText("f", "a\r\nb\r\n"), "a\r\nb\r\n");
  EXPECT_EQ(CheckInputText("f", "a\r"), "a\r");  // a last line without its LF
  EXPECT_EQ(ErrorOf([] { CheckInputText("f", "a\r\r\n"); }),
            "f:1:2: carriage return (\\r) inside a line: only CRLF line endings are accepted");
  EXPECT_EQ(ErrorOf([] { CheckInputText("f", "x\na\rb\n"); }),
            "f:2:2: carriage return (\\r) inside a line: only CRLF line endings are accepted");
}

TEST(CheckInputText, LinesAreBounded) {
  const std::string longest(model::kMaxInputLineBytes, 'x');
  EXPECT_NO_THROW(CheckInputText("f", "a\n" + longest + "\r\nb\n"));
  EXPECT_EQ(ErrorOf([&] { CheckInputText("f", "a\n" + longest + "y\n"); }),
            "f:2:4097: line is longer than 4096 bytes");
}

TEST(Printable, EscapesWhatATerminalWouldInterpret) {
  using namespace std::string_literals;
  EXPECT_EQ(Printable("plain text: ok"), "plain text: ok");
  EXPECT_EQ(Printable("a\0b\x1b[31m\x7f"s), "a\\x00b\\x1b[31m\\x7f");
  EXPECT_EQ(Printable("tab\tcr\rlf\n"), "tab\\tcr\\rlf\\n");
  EXPECT_EQ(Printable("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 stays
  EXPECT_EQ(Printable("\xFF\xC3"), "\\xff\\xc3");      // broken UTF-8 does not
  EXPECT_EQ(Printable("\xC2\x9B"
                      "2J"),
            "\\xc2\\x9b2J");  // C1 control (CSI)
  EXPECT_EQ(Printable("\xE2\x80\xAE"
                      "abc"),
            "\\xe2\\x80\\xaeabc");  // right-to-left override
  const std::string s = "x\0\x01\xFF\\x00"s;
  EXPECT_EQ(Printable(Printable(s)), Printable(s));
}

}  // namespace
}  // namespace mmcheck
