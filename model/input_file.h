// SPDX-License-Identifier: GPL-2.0
// Reading the files a user hands mmcheck (traces, profiles, reports): bounded
// reads, and the checks every text format shares, so that a bad file gets one
// clear line instead of a hang, a crash or a misleading message.
//
// Limits (docs/user-guide.md, "Input limits"):
//   - a trace or profile file is at most kMaxInputFileBytes (1 MiB; the
//     largest built-in profile is under 8 KiB, the longest trace ~2 KiB);
//   - a line is at most kMaxInputLineBytes (4 KiB);
//   - a UTF-8 byte-order mark at the start is skipped; a NUL byte, or a
//     carriage return that is not part of a CRLF line ending, is an error.
// Pipes and character devices (/dev/stdin, a FIFO) are read up to the limit
// like regular files; a directory is refused by name.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace mmcheck::model {

inline constexpr std::size_t kMaxInputFileBytes = std::size_t{1} << 20;
inline constexpr std::size_t kMaxInputLineBytes = 4096;

// Reads `path` whole, at most `limit` bytes. `what` names the file's role in
// messages ("trace file"). Throws ModelInputError "path: <why>" when it is a
// directory, cannot be opened or read, or is larger than `limit`.
std::string ReadInputFile(const std::string& path, std::string_view what,
                          std::size_t limit = kMaxInputFileBytes);

// Checks what every line-oriented input shares and returns `text` without a
// leading UTF-8 byte-order mark. Throws ModelInputError "file:line:col: ..."
// for a NUL byte, a line longer than kMaxInputLineBytes, or a stray carriage
// return (one that does not end a line just before its '\n'). Columns count
// bytes from 1, after the byte-order mark.
std::string_view CheckInputText(std::string_view file, std::string_view text);

// `s` with every byte a terminal should not receive raw (control characters,
// DEL, bytes that are not UTF-8, C1 controls) written as \xHH, and tab, CR,
// LF as \t, \r, \n. Backslashes are kept, so Printable(Printable(s)) ==
// Printable(s): messages can be escaped where they are made and again where
// they are printed.
std::string Printable(std::string_view s);

}  // namespace mmcheck::model
