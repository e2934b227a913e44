// SPDX-License-Identifier: GPL-2.0
// The main model's alphabet: MainModel's constructor enumerates every op instance of the table
// over the universe's argument ranges, as --op/--no-op/--restrict/--alphabet select them.
#include <algorithm>
#include <limits>
#include <map>
#include <numeric>

#include <fmt/format.h>

#include "solver/explicit/main_model.h"
#include "solver/explicit/main_model_internal.h"
#include "solver/explicit/main_model_sections.h"

namespace mmcheck::solver::explicit_state {

using model::World;

using main_model_internal::Inverse;
using main_model_internal::MakeEncodingLayout;
using main_model_internal::Permutations;

namespace {

// --alphabet devexcl-core: the main model's ops that stand for the alphabet of the benchmark
// machine (bench/devexcl-core.md §4), so that the main model can be explored on the
// benchmark's universe with the benchmark's question. The spec's universe has one private
// read-write VMA per mm from the start; here mm0 starts empty, so mmap of exactly that VMA is
// in the alphabet (the child inherits it at fork). The spec's ops map as follows:
//   cpu_write(p), cpu_read(p)      -> cpu_write, cpu_read on every (mm, va)
//   make_device_exclusive(p)       -> dev_exclusive of one page (the dmirror ioctl is atomic:
//                                     no grant window, so no device_release, §9.1)
//   munmap(p), which zaps one page -> madvise MADV_DONTNEED of one page (§9.9: the main model's
//                                     munmap removes the VMA)
//   reclaim(f), migrate(f)         -> reclaim, migrate of the folio mapped at (mm, va)
//   fork                           -> fork
// plus memory offline, the mover of the seeds' liveness question. Everything else of the op
// table (mprotect, other mmap kinds, THP, devices' reads and writes, the lock thread, device
// memory) is left out, as the spec leaves it out (§0).
bool InAlphabet(const std::string& alphabet, const model::Op& op, const model::Universe& u) {
  if (alphabet != "devexcl-core") return false;
  using model::OpCode;
  switch (op.code) {
    case OpCode::kMmap:
      return op.Arg(1) == 0 && op.Arg(2) == u.pages && op.Arg(3) == model::kProtReadWrite &&
             op.Arg(4) == model::kMapPrivate;
    case OpCode::kMadvise:
      return op.Arg(2) == 1 && op.Arg(3) == model::kAdviceDontneed;
    case OpCode::kDeviceExclusive:
      return op.Arg(0) == 0 && op.Arg(3) == 1;
    case OpCode::kFork:
    case OpCode::kCpuRead:
    case OpCode::kCpuWrite:
    case OpCode::kReclaim:
    case OpCode::kMigrate:
    case OpCode::kOffline:
      return true;
    case OpCode::kMunmap:
    case OpCode::kMprotect:
    case OpCode::kDeviceRead:
    case OpCode::kDeviceWrite:
    case OpCode::kDeviceCheckExclusive:
    case OpCode::kSplit:
    case OpCode::kMkclean:
    case OpCode::kLockFolio:
    case OpCode::kUnlockFolio:
    case OpCode::kDeviceMigrateToDev:
    case OpCode::kDeviceMigrateToSys:
    case OpCode::kDeviceRelease:
    case OpCode::kDeviceSnapshot:
    case OpCode::kMremap:
      return false;
  }
  return false;
}

}  // namespace

MainModel::MainModel(MainModelOptions options) : options_(std::move(options)) {
  const model::Universe& u = options_.universe;
  model::ValidateUniverse(u);
  if (options_.values < 1 || options_.values > 255) {
    throw model::ModelInputError(fmt::format(
        "--values {} is out of range (data values 1..V; V in 1..255)", options_.values));
  }
  auto known = [](const std::string& name) {
    if (model::FindOp(name) != nullptr) return;
    std::string accepted;
    for (const model::OpInfo& info : model::OpTable())
      accepted += (accepted.empty() ? "" : ", ") + std::string(info.name);
    throw model::ModelInputError(
        fmt::format("unknown op '{}' in --op/--no-op; accepted: {}", name, accepted));
  };
  if (!options_.alphabet.empty() && options_.alphabet != "devexcl-core") {
    throw model::ModelInputError(
        fmt::format("unknown --alphabet '{}'; accepted: devexcl-core", options_.alphabet));
  }
  for (const std::string& name : options_.only_ops) known(name);
  for (const std::string& name : options_.without_ops) known(name);
  initial_ = World::Initial(u, options_.profile.knobs);
  for (const model::Op& op : options_.prologue) {
    if (!model::Enabled(initial_, op))
      throw model::ModelInputError(
          fmt::format("prologue op {} is not enabled", model::FormatOp(op)));
    model::Apply(initial_, op, /*texts=*/false);
  }
  if (options_.normalize) options_.normalize(initial_);
  const bool listed = !options_.op_list.empty();
  if (listed && (!options_.only_ops.empty() || !options_.without_ops.empty() ||
                 !options_.restrictions.empty() || !options_.alphabet.empty())) {
    throw model::ModelInputError(
        "an explicit op list cannot be combined with --op/--no-op/--restrict/--alphabet");
  }
  if (listed) ops_ = options_.op_list;

  // --restrict: argument name -> allowed values.
  std::map<std::string, std::vector<int>> allowed_values;
  for (const std::string& text : options_.restrictions) {
    const std::size_t eq = text.find('=');
    const std::string name = text.substr(0, eq == std::string::npos ? 0 : eq);
    const model::ArgInfo* arg = nullptr;
    std::string names;
    for (const model::OpInfo& info : model::OpTable()) {
      for (const model::ArgInfo& a : info.args) {
        if (a.name == name) arg = &a;
        if (names.find(std::string(a.name) + ",") == std::string::npos)
          names += std::string(a.name) + ",";
      }
    }
    if (eq == std::string::npos || arg == nullptr) {
      names.pop_back();
      throw model::ModelInputError(
          fmt::format("--restrict '{}' must be ARG=v1,v2 with ARG one of: {}", text, names));
    }
    // The values the explorer gives an argument of this name: its range in the
    // universe (data values: 1..--values). A value outside it would silently
    // leave every op with this argument out of the search.
    auto [lo, hi] = model::ArgRange(arg->kind, u);
    if (arg->kind == model::ArgKind::kValue) hi = std::min(hi, lo + options_.values - 1);
    std::vector<int>& values = allowed_values[name];
    std::size_t pos = eq + 1;
    while (pos <= text.size()) {
      std::size_t end = text.find(',', pos);
      if (end == std::string::npos) end = text.size();
      const std::string item = text.substr(pos, end - pos);
      int value = -1;
      const auto& symbols = model::ArgSymbols(arg->kind);
      for (std::size_t i = 0; i < symbols.size(); ++i)
        if (symbols[i] == item) value = static_cast<int>(i);
      // Numbers, and mm1/dev0 for mms and devices, as in traces.
      std::string_view digits = item;
      if (arg->kind == model::ArgKind::kMm && digits.starts_with("mm")) digits.remove_prefix(2);
      if (arg->kind == model::ArgKind::kDevice && digits.starts_with("dev"))
        digits.remove_prefix(3);
      bool number = false;
      if (value < 0 && symbols.empty() && !digits.empty() &&
          digits.find_first_not_of("0123456789") == std::string_view::npos) {
        number = true;
        // More than 9 digits is out of every range; std::stoi would throw.
        value =
            digits.size() > 9 ? std::numeric_limits<int>::max() : std::stoi(std::string(digits));
      }
      if (value < 0) {
        std::string accepted;
        for (std::string_view sym : symbols)
          accepted += (accepted.empty() ? "" : ", ") + std::string(sym);
        throw model::ModelInputError(fmt::format("--restrict {}: '{}' is not a value of {}{}{}",
                                                 name, item, name,
                                                 accepted.empty() ? "" : "; accepted: ", accepted));
      }
      if (number && (value < lo || value > hi)) {
        throw model::ModelInputError(fmt::format(
            "--restrict {}={}: {} is out of range {}..{} for universe {}{}", name,
            text.substr(eq + 1), item, lo, hi, u.ToString(),
            arg->kind == model::ArgKind::kValue ? fmt::format(" and --values {}", options_.values)
                                                : ""));
      }
      values.push_back(value);
      pos = end + 1;
    }
  }

  // The alphabet: every instance of every op of the table, arguments over their ranges.
  for (const model::OpInfo& info : listed ? std::span<const model::OpInfo>{} : model::OpTable()) {
    const std::string name(info.name);
    if (!options_.only_ops.empty() && std::find(options_.only_ops.begin(), options_.only_ops.end(),
                                                name) == options_.only_ops.end())
      continue;
    if (std::find(options_.without_ops.begin(), options_.without_ops.end(), name) !=
        options_.without_ops.end())
      continue;
    model::Op op;
    op.code = info.code;
    // The values each argument takes: its range, data values 1..values, --restrict.
    std::vector<std::vector<int>> domains;
    for (const model::ArgInfo& arg : info.args) {
      auto [lo, hi] = model::ArgRange(arg.kind, u);
      if (arg.kind == model::ArgKind::kValue) hi = std::min(hi, lo + options_.values - 1);
      std::vector<int> domain;
      for (int v = lo; v <= hi; ++v) domain.push_back(v);
      auto restricted = allowed_values.find(std::string(arg.name));
      if (restricted != allowed_values.end()) {
        std::erase_if(domain, [&](int v) {
          return std::find(restricted->second.begin(), restricted->second.end(), v) ==
                 restricted->second.end();
        });
      }
      domains.push_back(std::move(domain));
    }
    bool empty = false;
    for (std::size_t i = 0; i < domains.size(); ++i) {
      if (!domains[i].empty()) continue;
      empty = true;
      // An op asked for by name that cannot run at all is a mistake, not a choice.
      if (!options_.only_ops.empty()) {
        throw model::ModelInputError(
            fmt::format("--op {}: no instance in universe {}: its argument {} has no value there",
                        name, u.ToString(), info.args[i].name));
      }
    }
    if (empty) continue;  // e.g. no devices in the universe
    // An odometer over the argument domains, the last argument turning fastest.
    std::vector<std::size_t> digit(domains.size(), 0);
    for (bool done = false; !done;) {
      for (std::size_t i = 0; i < domains.size(); ++i)
        op.args[i] = static_cast<std::int16_t>(domains[i][digit[i]]);
      if (options_.alphabet.empty() || InAlphabet(options_.alphabet, op, u)) ops_.push_back(op);
      done = true;
      for (std::size_t i = domains.size(); i-- > 0;) {
        if (digit[i] + 1 < domains[i].size()) {
          ++digit[i];
          done = false;
          break;
        }
        digit[i] = 0;
      }
    }
  }
  if (ops_.empty()) {
    throw model::ModelInputError("--op/--no-op/--restrict/--alphabet left no operation to explore");
  }
  if (ops_.size() > 65535) throw model::ModelInputError("too many op instances; lower --values");
  for (std::size_t i = 0; i < ops_.size(); ++i) {
    names_.push_back(model::FormatOp(ops_[i]));
    index_of_name_.emplace(names_.back(), static_cast<int>(i));
  }

  for (const properties::PropertyInfo& p : properties::PropertyTable()) {
    PropertyInfo info;
    info.label = std::string(p.name);
    info.name = std::string(p.name);
    // A property judged on the world alone is a state property, checked once per state
    // reached; the others read the step's result (events, progress, data mismatches).
    const int index = static_cast<int>(properties_.size());
    info.kind = (properties::StateOnlyProperties() >> index & 1) != 0 ? PropertyKind::kState
                                                                      : PropertyKind::kTransition;
    info.description = std::string(p.rule);
    properties_.push_back(std::move(info));
  }
  if (options_.checked == 0) options_.checked = properties::AllProperties();

  // Live shmem objects are at most one per mapped page of every mm; dead slots are reused,
  // so World::shmem never grows beyond that. Only a shared mmap makes one (do_mmap with
  // kMapShared, model/ops/mmap.cpp): an alphabet without such an instance (devexcl-core, say)
  // never has one, and the encoding leaves their section out (25 constant bytes of 144 on the
  // restated target). Should a world have one all the same, EncodeExact refuses it: an error,
  // never two states merged.
  const bool shared_mmap = std::any_of(ops_.begin(), ops_.end(), [](const model::Op& op) {
    return op.code == model::OpCode::kMmap && op.Arg(4) == model::kMapShared;
  });
  max_shmem_ =
      shared_mmap ? static_cast<std::size_t>(u.mms) * static_cast<std::size_t>(u.pages) : 0;
  layout_ = MakeEncodingLayout(initial_, max_shmem_, options_.values);
  exact_size_ = layout_->bytes;
  encoding_size_ = exact_size_;
  encoding_bits_ = layout_->bits;
  if (options_.intern_sections) {
    const std::size_t mm_bytes = layout_->mm_bytes * static_cast<std::size_t>(u.mms);
    mm_sections_ = std::make_shared<main_model_internal::SectionTable>(layout_->mm_bytes,
                                                                       layout_->mm_number_bits);
    rest_sections_ = std::make_shared<main_model_internal::SectionTable>(exact_size_ - mm_bytes,
                                                                         layout_->rest_number_bits);
    encoding_bits_ =
        static_cast<std::size_t>(u.mms) * static_cast<std::size_t>(layout_->mm_number_bits) +
        static_cast<std::size_t>(layout_->rest_number_bits);
    encoding_size_ = (encoding_bits_ + 7) / 8;
  }

  swap_perms_ = Permutations(options_.symmetry.swap_slots ? u.swap_slots : 0);
  block_perms_ = Permutations(options_.symmetry.folio_slots ? u.folios : 0);
  mm_perms_ = Permutations(options_.symmetry.mms ? u.mms : 0);
  auto identity = [](int n) {
    std::vector<int> p(static_cast<std::size_t>(n));
    std::iota(p.begin(), p.end(), 0);
    return p;
  };
  if (!options_.symmetry.swap_slots) swap_perms_ = {identity(u.swap_slots)};
  if (!options_.symmetry.folio_slots) block_perms_ = {identity(u.folios)};
  if (!options_.symmetry.mms) mm_perms_ = {identity(u.mms)};
  for (const auto& p : swap_perms_) swap_inverses_.push_back(Inverse(p));
  for (const auto& p : block_perms_) block_inverses_.push_back(Inverse(p));
  for (const auto& p : mm_perms_) mm_inverses_.push_back(Inverse(p));
  for (const auto& p : mm_perms_) renamed_ops_.push_back(RenamedOps(p));
  if (mm_perms_.size() > 1 || block_perms_.size() > 1)
    search_check_ = std::make_shared<CheckDuringSearch>();
}

int MainModel::OpIndex(std::string_view name) const {
  auto it = index_of_name_.find(name);
  return it == index_of_name_.end() ? -1 : it->second;
}

}  // namespace mmcheck::solver::explicit_state
