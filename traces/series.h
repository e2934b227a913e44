// SPDX-License-Identifier: GPL-2.0
// Verifying a patch series prefix by prefix, bisect-style (`mmcheck verify-series`).
//
// A series (profiles/*.toml with a [series] table, built in or a file) expands into one
// profile per prefix; its base profile is prefix 00. A campaign (traces/campaign.h) searches
// every prefix for violations of the hard properties; each prefix's observed violations are
// compared with what its profile expects, and consecutive prefixes with each other:
//
//   fixes       violated by the prefix before the patch, not after it
//   introduces  violated after the patch, not before it; a violation the prefix's profile does
//               not expect breaks bisectability, and the patch is named
//
// The table is meant for a mail (75 columns; properties are letters, a legend says which), a
// terminal (--wide: the names), markdown, or JSON.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/profile.h"
#include "traces/report.h"

namespace mmcheck::traces {

struct SeriesPatch {
  int number = 0;
  std::string title;
  model::Profile profile;                   // the prefix ending at this patch
  std::vector<std::string> declared_fixes;  // the patch's `fixes` list
  std::string note;                         // e.g. "uprobes are not modelled"
};

struct Series {
  std::string name, doc;
  std::string origin;   // the file, or "built-in"
  model::Profile base;  // prefix 00
  std::vector<SeriesPatch> patches;
};

// The series named `name_or_file`: a built-in series name (hildenbrand-v2) or a .toml path.
// Throws model::ModelInputError ("file:line:col: ..." for a bad file; the built-in series
// names for an unknown name).
Series LoadSeries(std::string_view name_or_file);

// One prefix's row.
struct PrefixRow {
  std::string label;  // "base", "01/17"
  std::string title;  // the patch title, or the base profile's name
  std::string profile;
  std::vector<std::string> observed;    // hard properties violated (root causes), table order
  std::vector<std::string> expected;    // the profile's [[expect]] list
  std::vector<std::string> fixes;       // observed before, not now
  std::vector<std::string> introduces;  // observed now, not before
  std::vector<std::string> missing;     // expected, not observed
  std::vector<std::string> unexpected;  // observed, not expected
  std::vector<std::string> declared_fixes;
  bool knobs_changed = true;  // the patch changes a knob the model has
  std::string note;
  std::string diff;      // the behavioural diff from the prefix before (filled by the command)
  std::string explored;  // what --explore searched (filled by the command), "" if nothing
  bool complete = true;
};

struct SeriesVerdict {
  std::string series;
  std::string universe;
  std::string budget;
  uint64_t seed = 0;
  std::string explore;          // how --explore searched each prefix, "" if not asked
  std::vector<PrefixRow> rows;  // base first
  // The first patch that introduces a violation its prefix does not expect ("" if none).
  std::string breaks_bisectability;
  Verdict verdict = Verdict::kAsExpected;
};

// The verdict of a campaign `report` whose profiles are the series' base then its prefixes.
SeriesVerdict JudgeSeries(const Series& s, const Report& report);

std::string RenderSeriesText(const SeriesVerdict& v, bool wide);
std::string RenderSeriesMarkdown(const SeriesVerdict& v);
nlohmann::ordered_json SeriesToJson(const SeriesVerdict& v);

}  // namespace mmcheck::traces
