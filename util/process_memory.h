// SPDX-License-Identifier: GPL-2.0
// The process's memory: what is resident now, the peak, physical memory, and giving freed heap
// back to the kernel. Searches use these to stop cleanly before the OOM killer would.
#pragma once

#include <cstdint>

namespace mmcheck::util {

// Returns the process's peak resident set size in bytes (getrusage's ru_maxrss, the kernel's
// VmHWM), 0 if unknown.
std::uint64_t PeakRssBytes();

// Returns the process's resident set size now in bytes (/proc/self/statm), 0 if unknown.
std::uint64_t RssBytes();

// Returns the machine's physical memory in bytes, 0 if unknown.
std::uint64_t PhysicalMemoryBytes();

// Returns freed heap memory to the kernel. Worker threads free into their own malloc arenas,
// which would otherwise keep that memory resident after a search.
void ReleaseFreeMemory();

}  // namespace mmcheck::util
