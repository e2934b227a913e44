// SPDX-License-Identifier: GPL-2.0
#include "solver/explicit/main_model_sections.h"

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#include <atomic>
#include <cstring>

#include <fmt/format.h>

#include "solver/explicit/exploration_result.h"

namespace mmcheck::solver::explicit_state::main_model_internal {

namespace {
std::atomic<std::uint64_t> next_table_id{1};
}  // namespace

SectionTable::SectionTable(std::size_t bytes, int number_bits)
    : id_(next_table_id.fetch_add(1, std::memory_order_relaxed)),
      bytes_(bytes),
      max_local_(std::uint64_t{1} << (number_bits - kShardBits)) {
  if (number_bits <= kShardBits || number_bits > 32)
    throw ExplorationError("main model: a section table needs 7..32 number bits");
  shards_.reserve(kShards);
  for (std::size_t i = 0; i < kShards; ++i) shards_.push_back(std::make_unique<Shard>(bytes));
}

std::size_t SectionTable::SlotOf(const Shard& shard, std::uint64_t hash,
                                 const std::uint8_t* section) const {
  const std::size_t mask = shard.slots.size() - 1;
  for (std::size_t pos = (hash >> kShardBits) & mask;; pos = (pos + 1) & mask) {
    const std::uint32_t local = shard.slots[pos];
    if (local == 0 || std::memcmp(shard.records.At(local - 1), section, bytes_) == 0) return pos;
  }
}

void SectionTable::Grow(Shard& shard) const {
  std::vector<std::uint32_t> old;
  old.swap(shard.slots);
  shard.slots.assign(old.empty() ? 64 : old.size() * 2, 0);
  for (std::uint32_t local : old) {
    if (local == 0) continue;
    const std::uint8_t* section = shard.records.At(local - 1);
    shard.slots[SlotOf(shard, XXH3_64bits(section, bytes_), section)] = local;
  }
}

std::uint32_t SectionTable::Intern(const std::uint8_t* section) {
  const std::uint64_t hash = XXH3_64bits(section, bytes_);
  thread_local std::vector<Cached> cache(kCacheEntries);
  Cached& cached = cache[(hash >> 32 ^ id_) & (kCacheEntries - 1)];
  if (cached.table == id_ && cached.hash == hash &&
      std::memcmp(cached.record, section, bytes_) == 0) {
    return cached.number;
  }
  const std::size_t s = hash & (kShards - 1);
  Shard& shard = *shards_[s];
  const std::lock_guard<std::mutex> lock(shard.mutex);
  // Grown past half full: probes stay short.
  if (2 * (shard.records.size() + 1) > shard.slots.size()) Grow(shard);
  const std::size_t pos = SlotOf(shard, hash, section);
  std::uint32_t local = shard.slots[pos];
  if (local == 0) {
    if (shard.records.size() >= max_local_) [[unlikely]] {
      throw ExplorationError(fmt::format(
          "main model: more than {} distinct sections of {} bytes in one shard: the section "
          "numbers do not fit the encoding",
          max_local_, bytes_));
    }
    std::memcpy(shard.records.Append(), section, bytes_);
    local = static_cast<std::uint32_t>(shard.records.size());
    shard.slots[pos] = local;
  }
  const std::uint32_t number = (local - 1) << kShardBits | static_cast<std::uint32_t>(s);
  cached = Cached{id_, hash, shard.records.At(local - 1), number};
  return number;
}

void SectionTable::Copy(std::uint32_t number, std::uint8_t* out) const {
  const Shard& shard = *shards_[number & (kShards - 1)];
  const std::uint64_t local = number >> kShardBits;
  const std::lock_guard<std::mutex> lock(shard.mutex);
  if (local >= shard.records.size()) [[unlikely]]
    throw ExplorationError(fmt::format("main model: no section numbered {}", number));
  std::memcpy(out, shard.records.At(local), bytes_);
}

std::uint64_t SectionTable::size() const {
  std::uint64_t n = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard<std::mutex> lock(shard->mutex);
    n += shard->records.size();
  }
  return n;
}

std::uint64_t SectionTable::Bytes() const {
  std::uint64_t n = 0;
  for (const auto& shard : shards_) {
    const std::lock_guard<std::mutex> lock(shard->mutex);
    n += shard->records.AllocatedBytes() + shard->slots.capacity() * sizeof(std::uint32_t);
  }
  return n;
}

}  // namespace mmcheck::solver::explicit_state::main_model_internal
