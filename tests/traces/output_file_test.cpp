// SPDX-License-Identifier: GPL-2.0
// Tests of traces/output_file.h: atomic replacement, links followed, FIFOs and devices written in
// place and never replaced, report pairs, checks before a run, stale temporary files.
#include "traces/output_file.h"

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace mmcheck::traces {
namespace {

namespace fs = std::filesystem;

// A fresh empty directory for one test.
std::string TestDir(const std::string& name) {
  const fs::path dir = fs::path(::testing::TempDir()) / ("output_file_test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> names;
  for (const fs::directory_entry& e : fs::directory_iterator(dir))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string ErrorOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const OutputError& e) {
    return e.what();
  }
  return "(no OutputError)";
}

TEST(WriteFileAtomically, ReplacesTheWholeFileAndLeavesNoTemporary) {
  const std::string dir = TestDir("replace");
  const std::string path = dir + "/atomic.txt";
  WriteFileAtomically(path, "first, longer\n");
  WriteFileAtomically(path, "second\n");
  EXPECT_EQ(ReadFile(path), "second\n");
  EXPECT_EQ(Names(dir), std::vector<std::string>{"atomic.txt"});
}

TEST(WriteFileAtomically, KeepsTheModeOfTheFileItReplaces) {
  const std::string path = TestDir("mode") + "/private.txt";
  WriteFileAtomically(path, "a\n");
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
  WriteFileAtomically(path, "b\n");
  EXPECT_EQ(fs::status(path).permissions() & fs::perms::all,
            fs::perms::owner_read | fs::perms::owner_write);
}

TEST(WriteFileAtomically, AMissingDirectoryIsAnErrorNamingTheFile) {
  EXPECT_NE(ErrorOf([] {
              WriteFileAtomically("/nonexistent-mmcheck-dir/out.dot", "x");
            }).find("cannot write /nonexistent-mmcheck-dir/out.dot: "),
            std::string::npos);
}

TEST(WriteFileAtomically, FollowsALinkAndReplacesItsTargetInTheTargetsDirectory) {
  const std::string dir = TestDir("link");
  fs::create_directories(dir + "/real");
  WriteFileAtomically(dir + "/real/out.txt", "old\n");
  fs::create_symlink("real/out.txt", dir + "/link.txt");
  WriteFileAtomically(dir + "/link.txt", "new\n");
  EXPECT_TRUE(fs::is_symlink(dir + "/link.txt"));
  EXPECT_EQ(ReadFile(dir + "/real/out.txt"), "new\n");
  EXPECT_EQ(Names(dir + "/real"), std::vector<std::string>{"out.txt"});
}

TEST(WriteFileAtomically, ADanglingLinkCreatesItsTarget) {
  const std::string dir = TestDir("dangling");
  fs::create_symlink("created.txt", dir + "/link.txt");
  WriteFileAtomically(dir + "/link.txt", "made\n");
  EXPECT_TRUE(fs::is_symlink(dir + "/link.txt"));
  EXPECT_EQ(ReadFile(dir + "/created.txt"), "made\n");
}

TEST(WriteFileAtomically, WritesIntoAFifoWithoutReplacingIt) {
  const std::string fifo = TestDir("fifo") + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::string received;
  std::thread reader([&] { received = ReadFile(fifo); });
  WriteFileAtomically(fifo, [](std::ostream& out) { out << "through the pipe\n"; });
  reader.join();
  EXPECT_EQ(received, "through the pipe\n");
  EXPECT_TRUE(fs::is_fifo(fifo));
}

TEST(WriteFileAtomically, WritesIntoACharacterDeviceThroughALinkWithoutReplacingEither) {
  const std::string link = TestDir("null") + "/null";
  fs::create_symlink("/dev/null", link);
  WriteFileAtomically(link, "discarded\n");
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
}

TEST(WriteFileAtomically, AFullDeviceIsAnErrorAndStaysADevice) {
  if (!fs::is_character_file("/dev/full")) GTEST_SKIP() << "no /dev/full";
  const std::string link = TestDir("full") + "/full";
  fs::create_symlink("/dev/full", link);
  EXPECT_NE(ErrorOf([&] { WriteFileAtomically(link, "x"); }).find("No space left on device"),
            std::string::npos);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(fs::is_character_file("/dev/full"));
}

TEST(WriteFileAtomically, RefusesADirectory) {
  const std::string dir = TestDir("directory");
  EXPECT_NE(ErrorOf([&] { WriteFileAtomically(dir, "x"); }).find("it is a directory"),
            std::string::npos);
  EXPECT_TRUE(fs::is_directory(dir));
}

TEST(WriteFileAtomically, AWriterThatThrowsLeavesTheOldFileAndNoTemporary) {
  const std::string dir = TestDir("throws");
  const std::string path = dir + "/kept.txt";
  WriteFileAtomically(path, "old\n");
  EXPECT_THROW(WriteFileAtomically(path,
                                   [](std::ostream& out) {
                                     out << "half";
                                     throw std::runtime_error("stop");
                                   }),
               std::runtime_error);
  EXPECT_EQ(ReadFile(path), "old\n");
  EXPECT_EQ(Names(dir), std::vector<std::string>{"kept.txt"});
}

TEST(WriteFilesAtomically, WritesEveryFile) {
  const std::string dir = TestDir("pair");
  WriteFilesAtomically({{dir + "/report.xml", "<xml/>\n"}, {dir + "/report.json", "{}\n"}});
  EXPECT_EQ(ReadFile(dir + "/report.xml"), "<xml/>\n");
  EXPECT_EQ(ReadFile(dir + "/report.json"), "{}\n");
  EXPECT_EQ(Names(dir), (std::vector<std::string>{"report.json", "report.xml"}));
}

TEST(WriteFilesAtomically, RenamesNothingWhenOneCannotBeWritten) {
  const std::string dir = TestDir("pair-fails");
  WriteFilesAtomically({{dir + "/report.xml", "old xml\n"}, {dir + "/report.json", "old json\n"}});
  EXPECT_THROW(WriteFilesAtomically({{dir + "/report.xml", "new xml\n"},
                                     {dir + "/missing/report.json", "new json\n"}}),
               OutputError);
  EXPECT_EQ(ReadFile(dir + "/report.xml"), "old xml\n");
  EXPECT_EQ(Names(dir), (std::vector<std::string>{"report.json", "report.xml"}));
}

TEST(CheckOutputFile, AcceptsWritablePathsAndLeavesNothingBehind) {
  const std::string dir = TestDir("check");
  CheckOutputFile(dir + "/new.txt");
  EXPECT_TRUE(Names(dir).empty());
  const std::string fifo = dir + "/pipe";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  CheckOutputFile(fifo);  // returns at once: a FIFO is not opened
  CheckOutputFile("/dev/null");
}

TEST(CheckOutputFile, RefusesWhatAWriteWouldRefuse) {
  const std::string dir = TestDir("check-bad");
  EXPECT_NE(
      ErrorOf([&] { CheckOutputFile(dir + "/missing/x.txt"); }).find("No such file or directory"),
      std::string::npos);
  EXPECT_NE(ErrorOf([&] { CheckOutputFile(dir); }).find("it is a directory"), std::string::npos);
  WriteFileAtomically(dir + "/file", "x");
  EXPECT_NE(ErrorOf([&] { CheckOutputFile(dir + "/file/x.txt"); }).find("Not a directory"),
            std::string::npos);
}

TEST(PrepareOutputDirectory, CreatesTheDirectoryAndLeavesItEmpty) {
  const std::string dir = TestDir("prepare") + "/a/b";
  PrepareOutputDirectory(dir);
  EXPECT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(Names(dir).empty());
}

TEST(PrepareOutputDirectory, RefusesAFileAndAnUnwritableDirectory) {
  const std::string dir = TestDir("prepare-bad");
  WriteFileAtomically(dir + "/file", "x");
  EXPECT_NE(ErrorOf([&] { PrepareOutputDirectory(dir + "/file"); }).find("cannot write into"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] { PrepareOutputDirectory(dir + "/file/sub"); }).find("cannot write into"),
            std::string::npos);
  // /proc is a directory in which no file can be created, even by root.
  if (fs::is_directory("/proc/self")) {
    EXPECT_NE(ErrorOf([] { PrepareOutputDirectory("/proc/self"); }).find("creating a file there"),
              std::string::npos);
  }
}

TEST(RemoveStaleTemporaries, RemovesOnlyTheTemporariesOfProcessesThatAreGone) {
  const std::string dir = TestDir("stale");
  const pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  waitpid(child, nullptr, 0);  // reaped: no process has this pid now
  const std::string gone = "report.xml.tmp." + std::to_string(child);
  const std::string ours = "report.json.tmp." + std::to_string(getpid());
  for (const std::string& name : {gone, ours, std::string("notes.tmp.x"), std::string("a.mmtrace")})
    WriteFileAtomically(dir + "/" + name, "x");
  EXPECT_EQ(RemoveStaleTemporaries(dir), std::vector<std::string>{gone});
  EXPECT_EQ(Names(dir), (std::vector<std::string>{"a.mmtrace", "notes.tmp.x", ours}));
}

}  // namespace
}  // namespace mmcheck::traces
