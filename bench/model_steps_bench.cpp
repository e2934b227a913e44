// SPDX-License-Identifier: GPL-2.0
// Model steps per second on the small universe (2 mms x 4 pages, 6 folios,
// 4 swap slots, 1 device), with and without every property checked after
// every step. The op stream is fixed (seeded) and drawn from the op table
// like the random tests; disabled ops are skipped and not counted. Every
// 256 steps the world restarts from a state with a mapped, written region
// so the stream keeps exercising faults, exclusive entries, reclaim and
// migration instead of drifting into an empty address space.
//
// BM_Steps_DevicePrivate*: the same universe plus device_pages=4 (1 device
// with 4 device-private pages) on mainline (PFN-backed) and niethe-v6
// (offset-based), so dev_migrate_to_dev/_to_sys/dev_release, device-private
// faults, fork and zap of device-private entries join the stream. mainline
// has Balbir's large device-private folios (THPs move to the device under
// device-private PMDs); _Balbir runs balbir-v6-posted, _Order0 linux-6.15
// (device folios of order 0 only, every THP split first).
//
// Run: build/bench/model_steps_bench (see bench/README.md).
#include <random>

#include <benchmark/benchmark.h>

#include "model/profile.h"
#include "properties/properties.h"

namespace {

using namespace mmcheck;

std::vector<model::Op> OpStream(const model::Universe& u, size_t n) {
  std::mt19937_64 rng(1);
  std::vector<model::Op> ops;
  const auto& table = model::OpTable();
  for (size_t i = 0; i < n; ++i) {
    const model::OpInfo& info = table[rng() % table.size()];
    model::Op op;
    op.code = info.code;
    for (size_t a = 0; a < info.args.size(); ++a) {
      auto [lo, hi] = model::ArgRange(info.args[a].kind, u);
      op.args[a] =
          static_cast<int16_t>(lo + static_cast<int>(rng() % static_cast<uint64_t>(hi - lo + 1)));
    }
    ops.push_back(op);
  }
  return ops;
}

model::World Warm(const model::Universe& u, const model::Knobs& k) {
  model::World w = model::World::Initial(u, k);
  model::Apply(w, model::MakeOp(model::OpCode::kMmap, {0, 0, 4, model::kProtReadWrite, 0}));
  for (int va = 0; va < 4; ++va)
    model::Apply(w, model::MakeOp(model::OpCode::kCpuWrite, {0, va, va + 1}));
  return w;
}

void Run(benchmark::State& state, const char* profile, properties::PropertyMask mask,
         int device_pages = 0) {
  model::Universe u;  // mms=2 pages=4 folios=6 swap=4 devices=1 pmd_order=2
  u.device_pages = device_pages;
  const model::Knobs knobs = model::ProfileSet::Builtin().Find(profile)->knobs;
  const std::vector<model::Op> ops = OpStream(u, 1 << 16);
  const model::World warm = Warm(u, knobs);
  model::World w = warm;
  std::vector<properties::Violation> violations;
  size_t i = 0, steps = 0, since_reset = 0, violated = 0;
  for (auto _ : state) {
    const model::Op& op = ops[i++ & (ops.size() - 1)];
    if (!model::Enabled(w, op)) continue;
    model::StepResult r = model::Apply(w, op);
    if (mask) {
      violations.clear();
      properties::CheckStep(w, r, mask, violations);
      violated += !violations.empty();
    }
    ++steps;
    if (++since_reset == 256) {
      w = warm;
      since_reset = 0;
    }
  }
  state.counters["steps/s"] =
      benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
  state.counters["enabled%"] =
      100.0 * static_cast<double>(steps) / static_cast<double>(state.iterations());
  state.counters["violating_steps"] = static_cast<double>(violated);
}

void BM_Steps_NoChecks(benchmark::State& s) {
  Run(s, "linux-6.15", 0);
}
void BM_Steps_AllProperties(benchmark::State& s) {
  Run(s, "linux-6.15", properties::AllProperties());
}
void BM_Steps_AllProperties_614(benchmark::State& s) {
  Run(s, "linux-6.14", properties::AllProperties());
}

void BM_Steps_DevicePrivate_NoChecks(benchmark::State& s) {
  Run(s, "mainline", 0, 4);
}
void BM_Steps_DevicePrivate_AllProperties(benchmark::State& s) {
  Run(s, "mainline", properties::AllProperties(), 4);
}
void BM_Steps_DevicePrivate_AllProperties_NietheV6(benchmark::State& s) {
  Run(s, "niethe-v6", properties::AllProperties(), 4);
}

void BM_Steps_DevicePrivate_AllProperties_Balbir(benchmark::State& s) {
  Run(s, "balbir-v6-posted", properties::AllProperties(), 4);
}
void BM_Steps_DevicePrivate_AllProperties_Order0(benchmark::State& s) {
  Run(s, "linux-6.15", properties::AllProperties(), 4);
}

BENCHMARK(BM_Steps_NoChecks);
BENCHMARK(BM_Steps_AllProperties);
BENCHMARK(BM_Steps_AllProperties_614);
BENCHMARK(BM_Steps_DevicePrivate_NoChecks);
BENCHMARK(BM_Steps_DevicePrivate_AllProperties);
BENCHMARK(BM_Steps_DevicePrivate_AllProperties_NietheV6);
BENCHMARK(BM_Steps_DevicePrivate_AllProperties_Balbir);
BENCHMARK(BM_Steps_DevicePrivate_AllProperties_Order0);

}  // namespace

BENCHMARK_MAIN();
