// SPDX-License-Identifier: GPL-2.0
// Every file mmcheck writes (traces, campaign reports, state dumps, DOT, exports) goes through
// here, so that an output never destroys what is already there.
//
// A regular file, or a name that does not exist yet, is replaced atomically: the text goes to
// a temporary file beside it, `<name>.tmp.<pid>`, which is synced to disk (fsync) and renamed
// over the name; then the directory is synced. A crash leaves the old file or the new one.
// A symbolic link is followed: the file it points to is replaced, in that file's directory, and
// the link stays a link. A FIFO or a character device (a pipe, /dev/stdout, /dev/null) is
// written straight, without a temporary file: a rename would put a regular file in its place.
// A directory, a block device or a socket is refused.
#pragma once

#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/profile.h"

namespace mmcheck::traces {

// An output that cannot be written; the message names the file and the reason.
class OutputError : public model::ModelInputError {
 public:
  using model::ModelInputError::ModelInputError;
};

// Writes `text` to `path` as described above. Throws OutputError.
void WriteFileAtomically(const std::string& path, std::string_view text);

// The same, streaming: `write` writes the contents into the stream (a state dump of millions of
// lines is never held in memory). Throws OutputError; an exception from `write` propagates and
// the temporary file is removed.
void WriteFileAtomically(const std::string& path, const std::function<void(std::ostream&)>& write);

// Writes files that belong together (report.json and report.xml): every temporary file is
// written and synced before the first rename, then they are renamed in the order given. A crash
// before the renames leaves the old set; one between two renames leaves the first ones new.
// Throws OutputError (and then renames nothing).
void WriteFilesAtomically(const std::vector<std::pair<std::string, std::string>>& files);

// Checks, before a long run, that a write to `path` will succeed as far as can be known without
// writing it: the kind of file is accepted, and a temporary file can be created (and is
// removed) where the replacement would go. A FIFO or a character device is not opened.
// Throws OutputError.
void CheckOutputFile(const std::string& path);

// Creates the directory `dir` (and its parents) if it does not exist, and checks that a file
// can be created in it by creating and removing one. Throws OutputError.
void PrepareOutputDirectory(const std::string& dir);

// Removes from `dir` the temporary files `<name>.tmp.<pid>` of processes that no longer run
// (killed between writing and renaming). Returns their names, sorted.
std::vector<std::string> RemoveStaleTemporaries(const std::string& dir);

}  // namespace mmcheck::traces
