#include "model/profile.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <toml++/toml.h>

namespace mmcheck::model {
namespace {

std::string Where(std::string_view file, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", file, r.begin.line, r.begin.column);
}

[[noreturn]] void Fail(std::string_view file, const toml::source_region& r, std::string_view what) {
  throw ModelInputError(fmt::format("{}: {}", Where(file, r), what));
}

[[noreturn]] void Fail(std::string_view file, const toml::node& n, std::string_view what) {
  Fail(file, n.source(), what);
}

std::string RequireString(std::string_view file, const toml::table& t, std::string_view key,
                          bool required = true) {
  const toml::node* n = t.get(key);
  if (!n) {
    if (required) Fail(file, t, fmt::format("missing key '{}'", key));
    return {};
  }
  if (!n->is_string()) Fail(file, *n, fmt::format("'{}' must be a string", key));
  return std::string(*n->value<std::string>());
}

void RejectUnknownKeys(std::string_view file, const toml::table& t,
                       std::initializer_list<std::string_view> allowed) {
  for (auto&& [k, v] : t) {
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || k.str() == a;
    if (!ok) {
      std::string list;
      for (std::string_view a : allowed) list += (list.empty() ? "" : ", ") + std::string(a);
      Fail(file, k.source(), fmt::format("unknown key '{}' (accepted: {})", k.str(), list));
    }
  }
}

// Applies a [knobs] table (or inline table) to `knobs`.
void ApplyKnobTable(std::string_view file, const toml::table& t, Knobs& knobs) {
  for (auto&& [k, v] : t) {
    const KnobInfo* info = FindKnob(k.str());
    if (!info)
      Fail(file, k.source(), fmt::format("unknown knob '{}' (see `mmcheck knobs`)", k.str()));
    if (!v.is_string()) Fail(file, v, fmt::format("knob '{}' takes a string value", k.str()));
    std::string value = *v.value<std::string>();
    int idx = KnobValueIndex(*info, value);
    if (idx < 0) {
      std::string list;
      for (std::string_view a : info->values) list += (list.empty() ? "" : ", ") + std::string(a);
      Fail(file, v, fmt::format("knob '{}' has no value '{}' (accepted: {})", k.str(), value, list));
    }
    info->set(knobs, idx);
  }
}

std::vector<ExpectedViolation> ParseExpect(std::string_view file, const toml::node* n) {
  std::vector<ExpectedViolation> out;
  if (!n) return out;
  const toml::array* arr = n->as_array();
  if (!arr) Fail(file, *n, "'expect' must be an array of tables ([[expect]])");
  for (const toml::node& e : *arr) {
    const toml::table* t = e.as_table();
    if (!t) Fail(file, e, "each [[expect]] must be a table");
    RejectUnknownKeys(file, *t, {"property", "fixed_by"});
    ExpectedViolation ev;
    ev.property = RequireString(file, *t, "property");
    ev.fixed_by = RequireString(file, *t, "fixed_by");
    ev.line = static_cast<int>(t->source().begin.line);
    ev.column = static_cast<int>(t->source().begin.column);
    out.push_back(std::move(ev));
  }
  return out;
}

// `min_universe` of a [profile], [series] or [[patch]] table, if given.
void ApplyNeeds(std::string_view file, const toml::table& t, Profile& p) {
  const toml::node* n = t.get("min_universe");
  if (!n) return;
  if (!n->is_string()) Fail(file, *n, "'min_universe' must be a string such as \"devices=2,device_pages=4\"");
  try {
    p.needs = ParseUniverseNeeds(*n->value<std::string>());
  } catch (const ModelInputError& e) {
    Fail(file, *n, fmt::format("min_universe: {}", e.what()));
  }
}

void CheckConsistent(std::string_view file, const toml::node& where, const Profile& p) {
  std::string why = KnobContradiction(p.knobs);
  if (!why.empty()) Fail(file, where, fmt::format("profile '{}': contradictory knobs: {}", p.name, why));
}

}  // namespace

bool Profile::ExpectsViolation(std::string_view property) const {
  return Expectation(property) != nullptr;
}

const ExpectedViolation* Profile::Expectation(std::string_view property) const {
  for (const ExpectedViolation& e : expect)
    if (e.property == property) return &e;
  return nullptr;
}

const Profile* ProfileSet::Find(std::string_view name) const {
  for (const Profile& p : profiles_)
    if (p.name == name) return &p;
  return nullptr;
}

void ProfileSet::AddFile(std::string_view file, std::string_view text) {
  toml::table root;
  try {
    root = toml::parse(text, std::string(file));
  } catch (const toml::parse_error& e) {
    throw ModelInputError(fmt::format("{}: {}", Where(file, e.source()), e.description()));
  }
  auto base_of = [&](const toml::table& t, Profile& p) {
    std::string base = RequireString(file, t, "base", false);
    if (base.empty()) return;
    const Profile* b = Find(base);
    if (!b) Fail(file, *t.get("base"), fmt::format("unknown base profile '{}'", base));
    p.knobs = b->knobs;
    p.expect = b->expect;
    p.needs = b->needs;
  };
  auto add = [&](Profile p, const toml::node& where) {
    if (Find(p.name)) Fail(file, where, fmt::format("profile '{}' is defined twice", p.name));
    CheckConsistent(file, where, p);
    profiles_.push_back(std::move(p));
  };

  if (const toml::table* pt = root["profile"].as_table()) {
    RejectUnknownKeys(file, root, {"profile", "knobs", "expect"});
    RejectUnknownKeys(file, *pt, {"name", "doc", "kernel", "base", "min_universe"});
    Profile p;
    p.origin = std::string(file);
    p.name = RequireString(file, *pt, "name");
    p.doc = RequireString(file, *pt, "doc");
    p.kernel = RequireString(file, *pt, "kernel");
    base_of(*pt, p);
    ApplyNeeds(file, *pt, p);
    if (const toml::node* k = root.get("knobs")) {
      if (!k->is_table()) Fail(file, *k, "[knobs] must be a table");
      ApplyKnobTable(file, *k->as_table(), p.knobs);
    }
    // A profile's own [[expect]] list replaces the inherited one when present.
    if (root.get("expect")) p.expect = ParseExpect(file, root.get("expect"));
    add(std::move(p), *pt);
    return;
  }
  if (const toml::table* st = root["series"].as_table()) {
    RejectUnknownKeys(file, root, {"series", "patch"});
    RejectUnknownKeys(file, *st, {"name", "doc", "base", "min_universe"});
    std::string series = RequireString(file, *st, "name");
    std::string doc = RequireString(file, *st, "doc");
    Profile prev;
    base_of(*st, prev);
    ApplyNeeds(file, *st, prev);
    std::string base_kernel = Find(RequireString(file, *st, "base"))->kernel;
    const toml::array* patches = root["patch"].as_array();
    if (!patches || patches->empty()) Fail(file, *st, "a series needs at least one [[patch]]");
    int expected_number = 1;
    for (const toml::node& pn : *patches) {
      const toml::table* t = pn.as_table();
      if (!t) Fail(file, pn, "each [[patch]] must be a table");
      RejectUnknownKeys(file, *t, {"number", "title", "knobs", "fixes", "note", "min_universe"});
      const toml::node* num = t->get("number");
      if (!num || !num->is_integer()) Fail(file, *t, "[[patch]] needs an integer 'number'");
      if (*num->value<int64_t>() != expected_number)
        Fail(file, *num, fmt::format("patch number {} out of order (expected {})",
                                     *num->value<int64_t>(), expected_number));
      std::string title = RequireString(file, *t, "title");
      RequireString(file, *t, "note", false);
      Profile p = prev;
      p.origin = std::string(file);
      p.name = fmt::format("{}-{:02}", series, expected_number);
      p.doc = fmt::format("{} {:02}/{:02}: {}", series, expected_number, patches->size(), title);
      p.kernel = fmt::format("{} + {} 01-{:02}", base_kernel, series, expected_number);
      ApplyNeeds(file, *t, p);
      if (const toml::node* k = t->get("knobs")) {
        if (!k->is_table()) Fail(file, *k, "'knobs' must be a table");
        ApplyKnobTable(file, *k->as_table(), p.knobs);
      }
      if (const toml::node* f = t->get("fixes")) {
        const toml::array* fa = f->as_array();
        if (!fa) Fail(file, *f, "'fixes' must be an array of property names");
        for (const toml::node& fp : *fa) {
          if (!fp.is_string()) Fail(file, fp, "'fixes' entries must be property names");
          std::string prop = *fp.value<std::string>();
          auto it = std::find_if(p.expect.begin(), p.expect.end(),
                                 [&](const ExpectedViolation& e) { return e.property == prop; });
          if (it == p.expect.end())
            Fail(file, fp, fmt::format("patch {:02} fixes '{}', which the profile before it does "
                                       "not expect to violate",
                                       expected_number, prop));
          p.expect.erase(it);
        }
      }
      add(p, *t);
      prev = std::move(p);
      ++expected_number;
    }
    (void)doc;
    return;
  }
  Fail(file, root, "a profile file needs a [profile] or a [series] table");
}

const ProfileSet& ProfileSet::Builtin() {
  static const ProfileSet set = [] {
    ProfileSet s;
    // Files are embedded sorted by name; a profile may only inherit from one
    // defined earlier, so files are added in passes until all are in.
    std::vector<EmbeddedFile> pending(BuiltinProfileFiles());
    while (!pending.empty()) {
      std::vector<EmbeddedFile> retry;
      std::string last_error;
      for (const EmbeddedFile& f : pending) {
        ProfileSet trial = s;
        try {
          trial.AddFile(std::string("profiles/") + f.name, f.text);
          s = std::move(trial);
        } catch (const ModelInputError& e) {
          last_error = e.what();
          retry.push_back(f);
        }
      }
      if (retry.size() == pending.size()) {
        std::fprintf(stderr, "mmcheck: built-in profiles do not load: %s\n", last_error.c_str());
        std::abort();
      }
      pending = std::move(retry);
    }
    return s;
  }();
  return set;
}

std::vector<Profile> ProfileSet::LoadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw ModelInputError(fmt::format("{}: cannot open profile file", path));
  std::stringstream ss;
  ss << in.rdbuf();
  ProfileSet s = Builtin();
  size_t before = s.profiles_.size();
  s.AddFile(path, ss.str());
  return {s.profiles_.begin() + static_cast<std::ptrdiff_t>(before), s.profiles_.end()};
}

Profile ResolveProfile(std::string_view name_or_file) {
  if (const Profile* p = ProfileSet::Builtin().Find(name_or_file)) return *p;
  if (name_or_file.find('/') != std::string_view::npos ||
      name_or_file.ends_with(".toml")) {
    std::vector<Profile> ps = ProfileSet::LoadFile(std::string(name_or_file));
    return ps.back();
  }
  std::string names;
  for (const Profile& p : ProfileSet::Builtin().All())
    names += (names.empty() ? "" : ", ") + p.name;
  throw ModelInputError(
      fmt::format("unknown profile '{}' (built-in: {}; or a path to a .toml file)", name_or_file,
                  names));
}

void ApplyKnobOverride(Profile& profile, std::string_view assignment) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos)
    throw ModelInputError(fmt::format("--knob '{}': expected name=value", assignment));
  std::string_view name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  const KnobInfo* info = FindKnob(name);
  if (!info) throw ModelInputError(fmt::format("--knob: unknown knob '{}' (see `mmcheck knobs`)", name));
  int idx = KnobValueIndex(*info, value);
  if (idx < 0) {
    std::string list;
    for (std::string_view a : info->values) list += (list.empty() ? "" : ", ") + std::string(a);
    throw ModelInputError(
        fmt::format("--knob: knob '{}' has no value '{}' (accepted: {})", name, value, list));
  }
  info->set(profile.knobs, idx);
  std::string why = KnobContradiction(profile.knobs);
  if (!why.empty())
    throw ModelInputError(fmt::format("--knob {}: contradictory knobs: {}", assignment, why));
  profile.name += fmt::format("+{}", assignment);
}

}  // namespace mmcheck::model
