// SPDX-License-Identifier: GPL-2.0
#include "traces/series.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>
#include <toml++/toml.h>

#include "model/input_file.h"
#include "properties/properties.h"

namespace mmcheck::traces {

namespace {

// The [series] table of a profile file's text, or null (the text has been checked already).
std::optional<toml::table> SeriesTable(std::string_view file, std::string_view text) {
  text = model::CheckInputText(file, text);
  toml::table root = toml::parse(text, std::string(file));
  if (!root["series"].as_table()) return std::nullopt;
  return root;
}

std::vector<std::string> Strings(const toml::node* n) {
  std::vector<std::string> out;
  if (const toml::array* a = n ? n->as_array() : nullptr)
    for (const toml::node& x : *a)
      if (auto s = x.value<std::string>()) out.push_back(*s);
  return out;
}

Series FromToml(const toml::table& root, std::string origin,
                const std::vector<model::Profile>& prefixes) {
  Series s;
  const toml::table& st = *root["series"].as_table();
  s.name = st["name"].value_or(std::string());
  s.doc = st["doc"].value_or(std::string());
  s.origin = std::move(origin);
  s.base = model::ResolveProfile(st["base"].value_or(std::string()));
  const toml::array* patches = root["patch"].as_array();
  size_t i = 0;
  for (const toml::node& pn : *patches) {
    const toml::table& t = *pn.as_table();
    SeriesPatch p;
    p.number = static_cast<int>(t["number"].value_or(int64_t{0}));
    p.title = t["title"].value_or(std::string());
    p.note = t["note"].value_or(std::string());
    p.declared_fixes = Strings(t.get("fixes"));
    if (i >= prefixes.size())
      throw model::ModelInputError(fmt::format("{}: patch {} has no profile", s.origin, p.number));
    p.profile = prefixes[i++];
    s.patches.push_back(std::move(p));
  }
  return s;
}

std::vector<std::string> Minus(const std::vector<std::string>& a,
                               const std::vector<std::string>& b) {
  std::vector<std::string> out;
  for (const std::string& x : a)
    if (std::find(b.begin(), b.end(), x) == b.end()) out.push_back(x);
  return out;
}

std::string Join(const std::vector<std::string>& v, std::string_view sep) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : std::string(sep)) + x;
  return s;
}

}  // namespace

Series LoadSeries(std::string_view name_or_file) {
  std::vector<std::string> names;
  for (const model::EmbeddedFile& f : model::BuiltinProfileFiles()) {
    std::optional<toml::table> root = SeriesTable(f.name, f.text);
    if (!root) continue;
    const std::string name = (*root)["series"]["name"].value_or(std::string());
    names.push_back(name);
    if (name != name_or_file) continue;
    std::vector<model::Profile> prefixes;
    for (int n = 1;; ++n) {
      const model::Profile* p = model::ProfileSet::Builtin().Find(fmt::format("{}-{:02}", name, n));
      if (!p) break;
      prefixes.push_back(*p);
    }
    return FromToml(*root, "built-in", prefixes);
  }
  if (name_or_file.find('/') == std::string_view::npos && !name_or_file.ends_with(".toml"))
    throw model::ModelInputError(
        fmt::format("unknown series '{}' (built-in: {}; or a path to a .toml file)", name_or_file,
                    Join(names, ", ")));
  const std::string path(name_or_file);
  // LoadFile checks the whole file and says where it is wrong (file:line:col).
  const std::vector<model::Profile> prefixes = model::ProfileSet::LoadFile(path);
  const std::string text = model::ReadInputFile(path, "series file");
  std::optional<toml::table> root = SeriesTable(path, text);
  if (!root)
    throw model::ModelInputError(
        fmt::format("{}:1:1: not a series: a series file has a [series] table and [[patch]]es "
                    "(a [profile] file is checked with `mmcheck campaign --profile`)",
                    path));
  return FromToml(*root, path, prefixes);
}

SeriesVerdict JudgeSeries(const Series& s, const Report& report) {
  SeriesVerdict v;
  v.series = s.name;
  v.universe = report.universe;
  v.budget = report.budget;
  v.seed = report.seed;
  auto row_of = [&](const model::Profile& p) {
    PrefixRow row;
    row.profile = p.name;
    for (const model::ExpectedViolation& e : p.expect) row.expected.push_back(e.property);
    const ProfileReport* pr = nullptr;
    for (const ProfileReport& r : report.profiles)
      if (r.name == p.name) pr = &r;
    if (!pr || !pr->error.empty() || pr->interrupted) row.complete = false;
    if (pr)
      for (const PropertyResult& r : pr->results)
        if (!r.advisory &&
            (r.status == ResultStatus::kFound || r.status == ResultStatus::kUnexpected))
          row.observed.push_back(r.property);
    // Missing: expected, not observed (the search did not find it in its budget, or the
    // expectation is wrong); unexpected: observed, not expected.
    row.missing = Minus(row.expected, row.observed);
    row.unexpected = Minus(row.observed, row.expected);
    return row;
  };
  PrefixRow base = row_of(s.base);
  base.label = "base";
  base.title = s.base.name;
  v.rows.push_back(base);
  for (const SeriesPatch& p : s.patches) {
    PrefixRow row = row_of(p.profile);
    const PrefixRow& before = v.rows.back();
    row.label = fmt::format("{:02}/{:02}", p.number, s.patches.size());
    row.title = p.title;
    row.declared_fixes = p.declared_fixes;
    row.note = p.note;
    const model::Profile& previous =
        v.rows.size() == 1 ? s.base : s.patches[v.rows.size() - 2].profile;
    row.knobs_changed = !(previous.knobs == p.profile.knobs);
    row.fixes = Minus(before.observed, row.observed);
    row.introduces = Minus(row.observed, before.observed);
    const std::vector<std::string> news = Minus(row.introduces, row.expected);
    if (v.breaks_bisectability.empty() && !news.empty())
      v.breaks_bisectability =
          fmt::format("{} \"{}\" introduces {}", row.label, row.title, Join(news, ", "));
    v.rows.push_back(std::move(row));
  }
  bool wrong = false, incomplete = false;
  for (const PrefixRow& r : v.rows) {
    wrong |= !r.unexpected.empty() || (!r.missing.empty() && r.complete);
    incomplete |= !r.complete;
  }
  v.verdict = wrong        ? Verdict::kUnexpected
              : incomplete ? Verdict::kInconclusive
                           : Verdict::kAsExpected;
  return v;
}

namespace {

// Letters for the properties a table names, in property-table order: A, B, ...
std::vector<std::pair<std::string, char>> Letters(const SeriesVerdict& v) {
  std::vector<std::pair<std::string, char>> out;
  for (const properties::PropertyInfo& p : properties::PropertyTable()) {
    bool used = false;
    for (const PrefixRow& r : v.rows)
      for (const auto* list : {&r.observed, &r.expected})
        used |= std::find(list->begin(), list->end(), std::string(p.name)) != list->end();
    if (used) out.push_back({std::string(p.name), static_cast<char>('A' + out.size())});
  }
  return out;
}

std::string LettersOf(const std::vector<std::string>& props,
                      const std::vector<std::pair<std::string, char>>& letters) {
  std::string s;
  for (const auto& [name, letter] : letters)
    if (std::find(props.begin(), props.end(), name) != props.end()) s += letter;
  return s.empty() ? "-" : s;
}

// `s` in `width` columns: a long patch title keeps its subsystem ("mm/rmap:") and its end,
// where series name the function they change: "mm/rmap: ~in try_to_unmap_one()".
std::string Fit(const std::string& s, size_t width) {
  if (s.size() <= width) return s;
  const size_t colon = s.find(": ");
  if (colon != std::string::npos && colon + 2 + 12 < width) {
    const size_t head = colon + 2;
    return s.substr(0, head) + "~" + s.substr(s.size() - (width - head - 1));
  }
  return s.substr(0, width - 1) + "~";
}

// "ok", or what is wrong: "+C" unexpected C, "?B" expected B not seen.
std::string Check(const PrefixRow& r, const std::vector<std::pair<std::string, char>>& letters) {
  std::string s;
  if (!r.unexpected.empty()) s += "+" + LettersOf(r.unexpected, letters);
  if (!r.missing.empty())
    s += (s.empty() ? "" : " ") + std::string("?") + LettersOf(r.missing, letters);
  if (!r.complete) s += (s.empty() ? "" : " ") + std::string("partial");
  return s.empty() ? "ok" : s;
}

// `text` broken at spaces into lines of at most `width` columns, the later ones indented.
std::string Wrap(const std::string& text, size_t width, size_t indent) {
  std::string out, line;
  size_t at = 0;
  while (at < text.size()) {
    size_t end = text.find(' ', at);
    if (end == std::string::npos) end = text.size();
    const std::string word = text.substr(at, end - at);
    at = end + 1;
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n";
      line = std::string(indent, ' ');
    } else if (!line.empty() && line.find_first_not_of(' ') != std::string::npos) {
      line += ' ';
    }
    line += word;
  }
  return out + line + "\n";
}

std::string VerdictLines(const SeriesVerdict& v, size_t width) {
  std::string s;
  int wrong = 0;
  for (const PrefixRow& r : v.rows) {
    if (r.unexpected.empty() && r.missing.empty()) continue;
    ++wrong;
    if (!r.unexpected.empty())
      s += Wrap(fmt::format("{} {}: violates {}, which its profile does not expect", r.label,
                            r.profile, Join(r.unexpected, ", ")),
                width, 6);
    if (!r.missing.empty())
      s += Wrap(fmt::format("{} {}: expected {}, not seen in this budget", r.label, r.profile,
                            Join(r.missing, ", ")),
                width, 6);
  }
  if (!v.breaks_bisectability.empty())
    s += Wrap("bisectability broken: " + v.breaks_bisectability, width, 6);
  else
    s += "nothing introduced: every prefix is bisectable\n";
  s += fmt::format("verdict: {}\n", VerdictName(v.verdict));
  return s;
}

}  // namespace

std::string RenderSeriesText(const SeriesVerdict& v, bool wide) {
  std::string s =
      fmt::format("verify-series {}: the base and {} patches\n", v.series, v.rows.size() - 1);
  s += fmt::format("universe {}\ncampaign seed {}, budget {}\n\n", v.universe, v.seed, v.budget);
  if (wide) {
    if (!v.explore.empty()) s += "explore: " + v.explore + "\n\n";
    s += fmt::format("{:<6} {:<72} {}\n", "patch", "title", "violates / fixes / introduces");
    for (const PrefixRow& r : v.rows) {
      s += fmt::format("{:<6} {:<72} violates {}\n", r.label, r.title,
                       r.observed.empty() ? "nothing" : Join(r.observed, ", "));
      if (!r.fixes.empty()) s += fmt::format("{:<79} fixes {}\n", "", Join(r.fixes, ", "));
      if (!r.introduces.empty())
        s += fmt::format("{:<79} INTRODUCES {}\n", "", Join(r.introduces, ", "));
      if (!r.diff.empty()) s += fmt::format("{:<79} diff: {}\n", "", r.diff);
      if (!r.explored.empty()) s += fmt::format("{:<79} explore: {}\n", "", r.explored);
    }
    s += "\n" + VerdictLines(v, 1000);
    return s;
  }
  // patch(5) title(36) violates(8) fixes(6) introduces(6) check: 75 columns at most.
  const auto letters = Letters(v);
  for (size_t i = 0; i < letters.size(); i += 2) {
    std::string line = i == 0 ? "properties: " : "            ";
    for (size_t j = i; j < std::min(i + 2, letters.size()); ++j)
      line += fmt::format("{} {:<28}", letters[j].second, letters[j].first);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    s += line + "\n";
  }
  s += "\n";
  s += fmt::format("{:<6} {:<36} {:<8} {:<5} {:<6} {}\n", "patch", "title", "violates", "fixes",
                   "intro", "check");
  for (const PrefixRow& r : v.rows) {
    s += fmt::format("{:<6} {:<36} {:<8} {:<5} {:<6} {}\n", r.label + (r.knobs_changed ? "" : "*"),
                     Fit(r.title, 36), LettersOf(r.observed, letters),
                     r.label == "base" ? "" : LettersOf(r.fixes, letters),
                     r.label == "base" ? "" : LettersOf(r.introduces, letters), Check(r, letters));
  }
  s += "*: the patch changes no knob of the model\n";
  s += "check: ok = as its profile expects; +X violates X unexpectedly;\n";
  s += "       ?X expected X, not seen\n\n";
  if (!v.explore.empty()) s += Wrap("explore: " + v.explore, 75, 6);
  for (const PrefixRow& r : v.rows) {
    if (!r.diff.empty()) s += Wrap(fmt::format("{} diff: {}", r.label, r.diff), 75, 6);
    if (!r.explored.empty()) s += Wrap(fmt::format("{} explore: {}", r.label, r.explored), 75, 6);
  }
  s += VerdictLines(v, 75);
  return s;
}

std::string RenderSeriesMarkdown(const SeriesVerdict& v) {
  std::string s =
      fmt::format("### verify-series {}\n\nUniverse `{}`, campaign seed {}, budget {}.\n\n",
                  v.series, v.universe, v.seed, v.budget);
  s += "| patch | title | violates | fixes | introduces | as expected |\n";
  s += "|---|---|---|---|---|---|\n";
  auto cell = [](const std::vector<std::string>& v) {
    return v.empty() ? std::string("–") : Join(v, ", ");
  };
  for (const PrefixRow& r : v.rows) {
    std::string check = r.unexpected.empty() && r.missing.empty() ? "yes" : "";
    if (!r.unexpected.empty()) check += "unexpected: " + Join(r.unexpected, ", ");
    if (!r.missing.empty())
      check += (check.empty() ? "" : "; ") + std::string("not seen: ") + Join(r.missing, ", ");
    s += fmt::format("| {} | {} | {} | {} | {} | {} |\n", r.label, r.title, cell(r.observed),
                     r.label == "base" ? "" : cell(r.fixes),
                     r.label == "base" ? "" : cell(r.introduces), check);
  }
  s += "\n" + VerdictLines(v, 1000);
  return s;
}

nlohmann::ordered_json SeriesToJson(const SeriesVerdict& v) {
  nlohmann::ordered_json j;
  j["series"] = v.series;
  j["universe"] = v.universe;
  j["budget"] = v.budget;
  j["seed"] = v.seed;
  if (!v.explore.empty()) j["explore"] = v.explore;
  j["verdict"] = VerdictName(v.verdict);
  j["breaks_bisectability"] = v.breaks_bisectability;
  j["prefixes"] = nlohmann::ordered_json::array();
  for (const PrefixRow& r : v.rows) {
    nlohmann::ordered_json row;
    row["patch"] = r.label;
    row["title"] = r.title;
    row["profile"] = r.profile;
    row["knobs_changed"] = r.knobs_changed;
    row["violates"] = r.observed;
    row["expected"] = r.expected;
    row["fixes"] = r.fixes;
    row["introduces"] = r.introduces;
    row["declared_fixes"] = r.declared_fixes;
    row["unexpected"] = r.unexpected;
    row["missing"] = r.missing;
    row["complete"] = r.complete;
    if (!r.diff.empty()) row["diff"] = r.diff;
    if (!r.explored.empty()) row["explored"] = r.explored;
    j["prefixes"].push_back(row);
  }
  return j;
}

}  // namespace mmcheck::traces
