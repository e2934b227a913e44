// SPDX-License-Identifier: GPL-2.0
#include "model/profile.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "model/input_file.h"

namespace mmcheck::model {
namespace {

// Installed by solver/smt (SetExpectationNameCheck); null until then.
ExpectationNameCheck g_expectation_name_check = nullptr;

[[noreturn]] void Fail(std::string_view file, const toml::node& n, std::string_view what);

// Rejects an [[expect]] or 'fixes' name that is neither a property nor a lemma.
void CheckExpectationName(std::string_view file, const toml::node& n, const std::string& name) {
  if (g_expectation_name_check && !g_expectation_name_check(name))
    Fail(file, n,
         fmt::format("unknown property or lemma '{}' (see `mmcheck properties` and "
                     "`mmcheck prove --help`)",
                     name));
}

std::string Where(std::string_view file, const toml::source_region& r) {
  return fmt::format("{}:{}:{}", file, r.begin.line, r.begin.column);
}

// Messages quote the user's text: Printable keeps raw control bytes off the terminal.
[[noreturn]] void Fail(std::string_view file, const toml::source_region& r, std::string_view what) {
  throw ModelInputError(Printable(fmt::format("{}: {}", Where(file, r), what)));
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
  std::string value = *n->value<std::string>();
  // An empty value is a mistake, never a choice: an empty base would mean "no
  // base" only by accident, an empty fixed_by says nothing.
  if (value.empty())
    Fail(
        file, *n,
        fmt::format("'{}' is empty{}", key, required ? "" : ": give a value or leave the key out"));
  return value;
}

// Profile and series names become parts of file names (NAME--PROPERTY.mmtrace)
// and of command lines: letters, digits, '.', '_', '-' and '+'.
std::string RequireName(std::string_view file, const toml::table& t) {
  std::string name = RequireString(file, t, "name");
  auto ok = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-' || c == '+';
  };
  if (!std::all_of(name.begin(), name.end(), ok) || name.starts_with('-') || name.starts_with('.'))
    Fail(file, *t.get("name"),
         fmt::format("name '{}' must be letters, digits, '.', '_', '-' or '+', not starting with "
                     "'-' or '.'",
                     name));
  return name;
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
      Fail(file, v,
           fmt::format("knob '{}' has no value '{}' (accepted: {})", k.str(), value, list));
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
    const toml::node& property = *t->get("property");
    CheckExpectationName(file, property, ev.property);
    for (const ExpectedViolation& before : out)
      if (before.property == ev.property)
        Fail(file, property,
             fmt::format("property '{}' is expected twice (first at line {})", ev.property,
                         before.line));
    ev.fixed_by = RequireString(file, *t, "fixed_by");
    ev.line = static_cast<int>(property.source().begin.line);
    ev.column = static_cast<int>(property.source().begin.column);
    out.push_back(std::move(ev));
  }
  return out;
}

// `min_universe` of a [profile], [series] or [[patch]] table, if given.
void ApplyNeeds(std::string_view file, const toml::table& t, Profile& p) {
  const toml::node* n = t.get("min_universe");
  if (!n) return;
  if (!n->is_string())
    Fail(file, *n, "'min_universe' must be a string such as \"devices=2,device_pages=4\"");
  try {
    p.needs = ParseUniverseNeeds(*n->value<std::string>());
  } catch (const ModelInputError& e) {
    Fail(file, *n, fmt::format("min_universe: {}", e.what()));
  }
}

void CheckConsistent(std::string_view file, const toml::node& where, const Profile& p) {
  std::string why = KnobContradiction(p.knobs);
  if (!why.empty())
    Fail(file, where, fmt::format("profile '{}': contradictory knobs: {}", p.name, why));
}

// toml++ 3.3.0 (Debian 12) asks whether a non-ASCII character is whitespace
// wherever it may skip whitespace, and its generated table for U+00A0..U+FEFF
// reaches __builtin_unreachable() for most of them (upstream
// marzer/tomlplusplus#295: "\xcc\xaa" alone is enough): undefined behaviour,
// not a parse error. It never asks inside a comment or a single-line string,
// so non-ASCII text is accepted there and refused, before toml++ sees it,
// everywhere else (keys, values, multi-line strings). Returns normally when
// the text is safe to parse.
void RejectTomlplusplus295(std::string_view file, std::string_view text) {
  enum { kCode, kComment, kBasic, kLiteral, kMultiBasic, kMultiLiteral } state = kCode;
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      // A single-line string or a comment ends at the line's end (toml++
      // reports an unterminated string there).
      if (state != kMultiBasic && state != kMultiLiteral) state = kCode;
      continue;
    }
    if (static_cast<unsigned char>(c) >= 0x80) {
      if (state == kComment || state == kBasic || state == kLiteral) continue;
      throw ModelInputError(Printable(fmt::format(
          "{}:{}:{}: non-ASCII byte 0x{:02x} outside a comment or a single-line string (only "
          "comments and \"...\" or '...' strings may hold non-ASCII text)",
          file, line, i - line_start + 1, static_cast<unsigned char>(c))));
    }
    const std::string_view rest = text.substr(i);
    switch (state) {
      case kCode:
        if (c == '#')
          state = kComment;
        else if (rest.starts_with("\"\"\""))
          state = kMultiBasic, i += 2;
        else if (rest.starts_with("'''"))
          state = kMultiLiteral, i += 2;
        else if (c == '"')
          state = kBasic;
        else if (c == '\'')
          state = kLiteral;
        break;
      case kComment:
        break;
      case kBasic:
        if (c == '\\' && i + 1 < text.size() && text[i + 1] != '\n')
          ++i;  // an escaped byte
        else if (c == '"')
          state = kCode;
        break;
      case kLiteral:
        if (c == '\'') state = kCode;
        break;
      case kMultiBasic:
      case kMultiLiteral: {
        const char quote = state == kMultiBasic ? '"' : '\'';
        if (state == kMultiBasic && c == '\\' && i + 1 < text.size() &&
            static_cast<unsigned char>(text[i + 1]) < 0x80 && text[i + 1] != '\n')
          ++i;
        else if (rest.starts_with(std::string(3, quote))) {
          // Up to two quotes may precede the closing three; take the whole run.
          while (i + 1 < text.size() && text[i + 1] == quote) ++i;
          state = kCode;
        }
        break;
      }
    }
  }
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
  text = CheckInputText(file, text);
  RejectTomlplusplus295(file, text);
  toml::table root;
  try {
    root = toml::parse(text, std::string(file));
  } catch (const toml::parse_error& e) {
    throw ModelInputError(
        Printable(fmt::format("{}: {}", Where(file, e.source()), e.description())));
  }
  // The base profile named by t's 'base' key (required in a series), or null.
  auto base_of = [&](const toml::table& t, Profile& p, bool required) -> const Profile* {
    std::string base = RequireString(file, t, "base", required);
    if (base.empty()) return nullptr;
    const Profile* b = Find(base);
    if (!b) Fail(file, *t.get("base"), fmt::format("unknown base profile '{}'", base));
    p.knobs = b->knobs;
    p.expect = b->expect;
    p.needs = b->needs;
    return b;
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
    p.name = RequireName(file, *pt);
    p.doc = RequireString(file, *pt, "doc");
    p.kernel = RequireString(file, *pt, "kernel");
    base_of(*pt, p, false);
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
    std::string series = RequireName(file, *st);
    std::string doc = RequireString(file, *st, "doc");
    Profile prev;
    const std::string base_kernel = base_of(*st, prev, true)->kernel;
    ApplyNeeds(file, *st, prev);
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
        Fail(file, *num,
             fmt::format("patch number {} out of order (expected {})", *num->value<int64_t>(),
                         expected_number));
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
          CheckExpectationName(file, fp, prop);
          auto it = std::find_if(p.expect.begin(), p.expect.end(),
                                 [&](const ExpectedViolation& e) { return e.property == prop; });
          if (it == p.expect.end())
            Fail(file, fp,
                 fmt::format("patch {:02} fixes '{}', which the profile before it does "
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

void SetExpectationNameCheck(ExpectationNameCheck check) {
  g_expectation_name_check = check;
}

std::vector<Profile> ProfileSet::LoadFile(const std::string& path) {
  const std::string text = ReadInputFile(path, "profile file");
  ProfileSet s = Builtin();
  size_t before = s.profiles_.size();
  s.AddFile(path, text);
  return {s.profiles_.begin() + static_cast<std::ptrdiff_t>(before), s.profiles_.end()};
}

Profile ResolveProfile(std::string_view name_or_file) {
  if (const Profile* p = ProfileSet::Builtin().Find(name_or_file)) return *p;
  if (name_or_file.find('/') != std::string_view::npos || name_or_file.ends_with(".toml")) {
    std::vector<Profile> ps = ProfileSet::LoadFile(std::string(name_or_file));
    return ps.back();
  }
  std::string names;
  for (const Profile& p : ProfileSet::Builtin().All())
    names += (names.empty() ? "" : ", ") + p.name;
  throw ModelInputError(fmt::format(
      "unknown profile '{}' (built-in: {}; or a path to a .toml file)", name_or_file, names));
}

void ApplyKnobOverride(Profile& profile, std::string_view assignment, std::string_view where) {
  size_t eq = assignment.find('=');
  if (eq == std::string_view::npos)
    throw ModelInputError(
        Printable(fmt::format("{} '{}': expected name=value", where, assignment)));
  std::string_view name = assignment.substr(0, eq), value = assignment.substr(eq + 1);
  const KnobInfo* info = FindKnob(name);
  if (!info)
    throw ModelInputError(
        Printable(fmt::format("{}: unknown knob '{}' (see `mmcheck knobs`)", where, name)));
  int idx = KnobValueIndex(*info, value);
  if (idx < 0) {
    std::string list;
    for (std::string_view a : info->values) list += (list.empty() ? "" : ", ") + std::string(a);
    throw ModelInputError(Printable(
        fmt::format("{}: knob '{}' has no value '{}' (accepted: {})", where, name, value, list)));
  }
  info->set(profile.knobs, idx);
  std::string why = KnobContradiction(profile.knobs);
  if (!why.empty())
    throw ModelInputError(Printable(fmt::format("{} {}: contradictory knobs on profile '{}': {}",
                                                where, assignment, profile.name, why)));
  profile.name += fmt::format("+{}", assignment);
}

}  // namespace mmcheck::model
