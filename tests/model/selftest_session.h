// SPDX-License-Identifier: GPL-2.0
// The HMM selftests' driver for model tests (tests/model/hmm_tests_test.cpp,
// tests/model/migrate_device_test.cpp): a process tree driven through the op
// table like a selftest body, asserting after every step that no HARD
// property the profile does not expect is violated.
//
// Scaling: one page of the selftests' buffer is one model page; an int per
// page is one byte per page. The selftests' data "i" is i + 1 here (a fresh
// anonymous page reads 0), and the device's "-i" is kDevData + i.
#pragma once

#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "model/dump.h"
#include "model/operations.h"
#include "model/profile.h"
#include "properties/properties.h"

namespace mmcheck::model::selftest {

// The selftests' "-i" (data the device writes): distinct from the CPU's i + 1.
inline constexpr int kDevData = 200;
// A whole-range device write stores one value (the model's dev_write takes
// one byte); per-page device writes then store kDevData + i.
inline constexpr int kDevFill = 0xEE;

inline const Profile& BuiltinProfile(std::string_view name) {
  const Profile* p = ProfileSet::Builtin().Find(name);
  if (!p) throw ModelInputError(fmt::format("no built-in profile {}", name));
  return *p;
}

// 2 mms x `pages`, 8 folio slots, 4-page PMDs (pmd_order 2) and `devices`
// dmirror devices with `device_pages` device-private pages each.
inline Universe DeviceUniverse(int pages, int devices, int device_pages) {
  Universe u;
  u.mms = 2;
  u.pages = pages;
  u.folios = 8;
  u.devices = devices;
  u.pmd_order = 2;
  u.device_pages = device_pages;
  ValidateUniverse(u);
  return u;
}

// The random-sequence tests' xorshift64 stream: deterministic per seed.
class XorShift {
 public:
  explicit XorShift(uint64_t seed) : x_(seed * 0x9E3779B97F4A7C15ull) {}
  uint64_t operator()() {
    x_ ^= x_ << 13;
    x_ ^= x_ >> 7;
    x_ ^= x_ << 17;
    return x_;
  }

 private:
  uint64_t x_;
};

// A uniformly drawn op of the table with every argument uniform over its range in `u` (not
// necessarily enabled): one draw for the op, then one per argument, in order.
inline Op RandomOp(XorShift& next, const Universe& u) {
  const auto& table = OpTable();
  const OpInfo& info = table[next() % table.size()];
  Op op;
  op.code = info.code;
  for (size_t a = 0; a < info.args.size(); ++a) {
    auto [lo, hi] = ArgRange(info.args[a].kind, u);
    op.args[a] =
        static_cast<int16_t>(lo + static_cast<int>(next() % static_cast<uint64_t>(hi - lo + 1)));
  }
  return op;
}

// What a random stream does after a violation its profile expects.
enum class OnExpected {
  kStop,      // end the stream, as a campaign run does: what follows a known bug is not news
  kContinue,  // keep going; only violations the profile does not expect fail the test
};

// Judges one step of a random stream: every HARD property on the post-state `w` and the
// step's result `r`. A violation `p` does not expect fails the test (with `who`, the steps so
// far and the world) and returns false; an expected one returns false with kStop; otherwise
// true.
inline bool StreamStepHolds(const World& w, const StepResult& r, const Profile& p,
                            const std::string& who, const std::string& trace,
                            OnExpected on_expected) {
  for (const properties::Violation& v : properties::CheckAll(w, r)) {
    const properties::PropertyInfo& info =
        properties::PropertyTable()[static_cast<size_t>(v.property)];
    if (info.severity != properties::Severity::kHard) continue;
    if (p.ExpectsViolation(info.name)) {
      if (on_expected == OnExpected::kStop) return false;
      continue;
    }
    ADD_FAILURE() << p.name << " " << who << ": " << info.name << ": " << v.detail << "\n"
                  << trace << DrawWorld(w);
    return false;
  }
  return true;
}

// One random stream: its world, its steps so far (for failure messages) and how a step is
// judged (StreamStepHolds).
class Stream {
 public:
  // `who` names the stream in failures, e.g. "seed 7".
  Stream(const Profile& p, const Universe& u, std::string who, OnExpected on_expected)
      : profile_(p),
        w_(World::Initial(u, p.knobs)),
        who_(std::move(who)),
        on_expected_(on_expected) {}
  World& world() { return w_; }
  // Applies `op` (REQUIRES: Enabled) and returns whether the step holds; `result`, if given,
  // gets the step's result.
  bool Run(const Op& op, StepResult* result = nullptr) {
    StepResult r = Apply(w_, op);
    trace_ += "  " + FormatOp(op) + "\n";
    const bool holds = StreamStepHolds(w_, r, profile_, who_, trace_, on_expected_);
    if (result != nullptr) *result = std::move(r);
    return holds;
  }

 private:
  const Profile& profile_;
  World w_;
  std::string who_;
  OnExpected on_expected_;
  std::string trace_;
};

// first + i for i in [0, n): the selftests' "ptr[i] = i" (first = 1) and
// "ptr[i] = -i" (first = kDevData).
inline std::vector<int> Iota(int n, int first) {
  std::vector<int> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + i;
  return v;
}

class Session {
 public:
  Session(const Profile& profile, const Universe& u)
      : profile_(profile), w_(World::Initial(u, profile.knobs)) {}

  // Runs one op. Fails the test if the op is not enabled, or if a HARD
  // property the profile does not expect is violated after it.
  StepResult Do(OpCode code, std::initializer_list<int> args) {
    Op op = MakeOp(code, args);
    ++step_;
    if (!Enabled(w_, op)) {
      ADD_FAILURE() << "step " << step_ << ": '" << FormatOp(op) << "' is not enabled" << Where();
      StepResult r;
      r.outcome.ret = -9999;
      return r;
    }
    StepResult r = Apply(w_, op);
    trace_ += fmt::format("  {:2}. {} -> ret={} value={} cpages={} faults={}{}{}\n", step_,
                          FormatOp(op), r.outcome.ret, r.outcome.value, r.outcome.cpages,
                          r.outcome.faults, r.outcome.signal != Signal::kNone ? " SIGNAL" : "",
                          r.outcome.blocked ? " BLOCKED" : "");
    for (const properties::Violation& v : properties::CheckAll(w_, r)) {
      const properties::PropertyInfo& info =
          properties::PropertyTable()[static_cast<size_t>(v.property)];
      if (info.severity == properties::Severity::kHard && !profile_.ExpectsViolation(info.name))
        ADD_FAILURE() << "step " << step_ << " '" << FormatOp(op) << "' violates " << info.name
                      << " on " << profile_.name << ": " << v.detail << Where();
    }
    return r;
  }

  // The ops so far and the world now, for failure messages.
  std::string Where() const {
    return fmt::format("\n--- {} steps:\n{}--- world:\n{}", profile_.name, trace_, DrawWorld(w_));
  }

  const World& world() const { return w_; }

  // ---- syscalls ----
  void Mmap(int mm, int va, int n, int prot, int kind = kMapPrivate) {
    EXPECT_EQ(Do(OpCode::kMmap, {mm, va, n, prot, kind}).outcome.ret, 0) << Where();
  }
  void Mprotect(int mm, int va, int n, int prot) {
    EXPECT_EQ(Do(OpCode::kMprotect, {mm, va, n, prot}).outcome.ret, 0) << Where();
  }
  void Madvise(int mm, int va, int n, int advice) {
    EXPECT_EQ(Do(OpCode::kMadvise, {mm, va, n, advice}).outcome.ret, 0) << Where();
  }
  // fork(): the child's mm.
  int Fork(int mm) {
    StepResult r = Do(OpCode::kFork, {mm});
    EXPECT_EQ(r.outcome.ret, 0) << Where();
    EXPECT_GT(r.outcome.value, mm) << Where();
    return r.outcome.value;
  }

  // ---- CPU accesses ----
  // ptr[va + i] = values[i]
  void CpuWrite(int mm, int va, const std::vector<int>& values) {
    for (size_t i = 0; i < values.size(); ++i) {
      int p = va + static_cast<int>(i);
      StepResult r = Do(OpCode::kCpuWrite, {mm, p, values[i]});
      EXPECT_TRUE(r.outcome.ret == 0 && r.outcome.signal == Signal::kNone && !r.outcome.blocked)
          << "cpu write of mm" << mm << ":" << p << " failed" << Where();
    }
  }
  // ASSERT_EQ(ptr[va + i], expected[i])
  void ExpectCpu(int mm, int va, const std::vector<int>& expected) {
    for (size_t i = 0; i < expected.size(); ++i) {
      int p = va + static_cast<int>(i);
      StepResult r = Do(OpCode::kCpuRead, {mm, p});
      EXPECT_TRUE(r.outcome.ret == 0 && r.outcome.signal == Signal::kNone && !r.outcome.blocked)
          << "cpu read of mm" << mm << ":" << p << " failed" << Where();
      EXPECT_EQ(r.outcome.value, expected[i]) << "cpu read of mm" << mm << ":" << p << Where();
      EXPECT_TRUE(r.mismatches.empty()) << Where();
    }
  }
  // for (i) ASSERT_EQ(ptr[i]++, old[i]): read and increment every page.
  void CpuIncrement(int mm, int va, const std::vector<int>& old) {
    for (size_t i = 0; i < old.size(); ++i) {
      int p = va + static_cast<int>(i);
      ExpectCpu(mm, p, {old[i]});
      CpuWrite(mm, p, {old[i] + 1});
    }
  }

  // ---- dmirror ioctls ----
  StepResult DevRead(int dev, int mm, int va, int n) {
    return Do(OpCode::kDeviceRead, {dev, mm, va, n});
  }
  StepResult DevWrite(int dev, int mm, int va, int n, int value) {
    return Do(OpCode::kDeviceWrite, {dev, mm, va, n, value});
  }
  StepResult DevExclusive(int dev, int mm, int va, int n) {
    return Do(OpCode::kDeviceExclusive, {dev, mm, va, n});
  }
  StepResult DevCheckExclusive(int dev, int mm, int va, int n) {
    return Do(OpCode::kDeviceCheckExclusive, {dev, mm, va, n});
  }

  // What the device reads through its mirror, page by page (1-page
  // HMM_DMIRROR_READs): the selftests' "Check what the device read".
  void ExpectDev(int dev, int mm, int va, const std::vector<int>& expected) {
    for (size_t i = 0; i < expected.size(); ++i) {
      int p = va + static_cast<int>(i);
      StepResult r = DevRead(dev, mm, p, 1);
      EXPECT_EQ(r.outcome.ret, 0) << "dev" << dev << " read of mm" << mm << ":" << p << Where();
      EXPECT_EQ(r.outcome.cpages, 1) << Where();
      EXPECT_EQ(r.outcome.value, expected[i])
          << "dev" << dev << " read of mm" << mm << ":" << p << Where();
      EXPECT_TRUE(r.mismatches.empty()) << Where();
    }
  }

  // HMM_DMIRROR_WRITE of the whole range (ret 0, cpages == npages,
  // faults == 1), then distinct per-page data kDevData + i through the
  // entries that write faulted in.
  void DevWriteRange(int dev, int mm, int va, int n) {
    StepResult r = DevWrite(dev, mm, va, n, kDevFill);
    EXPECT_EQ(r.outcome.ret, 0) << Where();
    EXPECT_EQ(r.outcome.cpages, n) << Where();
    EXPECT_EQ(r.outcome.faults, 1) << Where();
    for (int i = 0; i < n; ++i) {
      StepResult one = DevWrite(dev, mm, va + i, 1, kDevData + i);
      EXPECT_EQ(one.outcome.ret, 0) << Where();
      EXPECT_EQ(one.outcome.cpages, 1) << Where();
    }
  }

  // ---- device-private migration ----
  StepResult MigrateToDev(int dev, int mm, int va, int n) {
    return Do(OpCode::kDeviceMigrateToDev, {dev, mm, va, n});
  }
  StepResult MigrateToSys(int dev, int mm, int va, int n) {
    return Do(OpCode::kDeviceMigrateToSys, {dev, mm, va, n});
  }
  // Every page of [va, va+n) of mm is a device-private entry (or, with
  // yes = false, none is).
  void ExpectDevicePrivate(int mm, int va, int n, bool yes = true) {
    for (int p = va; p < va + n; ++p)
      EXPECT_EQ(IsDevicePrivate(w_.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(p)].kind),
                yes)
          << "mm" << mm << ":" << p << Where();
  }

 private:
  Profile profile_;
  World w_;
  int step_ = 0;
  std::string trace_;
};

}  // namespace mmcheck::model::selftest
