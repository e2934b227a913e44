// SPDX-License-Identifier: GPL-2.0
#include "traces/trace.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "model/input_file.h"
#include "properties/properties.h"

namespace mmcheck::traces {

using model::ArgKind;
using model::Op;
using model::OpInfo;

namespace {

// One line being parsed: its number, its text, and a cursor.
struct Line {
  std::string_view file;
  int number;
  std::string_view text;

  // Messages quote the input: Printable keeps raw bytes off the terminal.
  [[noreturn]] void Fail(size_t col0, const std::string& what) const {
    throw TraceError(model::Printable(fmt::format("{}:{}:{}: {}", file, number, col0 + 1, what)));
  }
};

struct Token {
  std::string_view text;
  size_t col;  // 0-based
};

// Splits on runs of spaces/tabs; stops at a '#' that starts a token and
// returns the rest (after "# " or "#") in `comment`.
std::vector<Token> Tokenize(std::string_view s, std::string* comment, bool* has_comment) {
  *has_comment = false;
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (i >= s.size()) break;
    if (s[i] == '#') {
      std::string_view c = s.substr(i + 1);
      if (!c.empty() && c[0] == ' ') c.remove_prefix(1);
      *comment = std::string(c);
      *has_comment = true;
      break;
    }
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    out.push_back({s.substr(i, j - i), i});
    i = j;
  }
  return out;
}

bool ParseInt(std::string_view s, int& v) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size();
}

std::string Join(const std::vector<std::string_view>& v) {
  std::string s;
  for (std::string_view x : v) s += (s.empty() ? "" : ", ") + std::string(x);
  return s;
}

// Parses the value of one argument of kind `kind` ("mm1", "3", "rw", ...).
int ParseValue(const Line& line, const Token& tok, size_t value_col, std::string_view name,
               ArgKind kind, std::string_view value, const model::Universe& u) {
  int v = -1;
  const auto& symbols = model::ArgSymbols(kind);
  if (!symbols.empty()) {
    for (size_t i = 0; i < symbols.size(); ++i)
      if (symbols[i] == value) v = static_cast<int>(i);
    if (v < 0)
      line.Fail(value_col, fmt::format("{}='{}' is not one of: {}", name, value, Join(symbols)));
    return v;
  }
  std::string_view digits = value;
  const char* prefix = kind == ArgKind::kMm ? "mm" : kind == ArgKind::kDevice ? "dev" : "";
  if (*prefix) {
    if (!digits.starts_with(prefix))
      line.Fail(value_col, fmt::format("{}='{}' must look like {}0", name, value, prefix));
    digits.remove_prefix(std::strlen(prefix));
  }
  if (!ParseInt(digits, v))
    line.Fail(value_col, fmt::format("{}='{}' is not a number", name, value));
  auto [lo, hi] = model::ArgRange(kind, u);
  if (v < lo || v > hi)
    line.Fail(value_col, fmt::format("{}={} is out of range {}..{} for universe {}", name, value,
                                     lo, hi, u.ToString()));
  (void)tok;
  return v;
}

constexpr std::pair<model::EventKind, std::string_view> kEventKinds[] = {
    {model::EventKind::kBug, "bug"},   {model::EventKind::kCorruption, "corruption"},
    {model::EventKind::kWarn, "warn"}, {model::EventKind::kDumpPage, "dump-page"},
    {model::EventKind::kInfo, "info"},
};

// The kinds of the events a step expectation states (model notes left out).
std::vector<model::EventKind> VisibleEventKinds(const model::StepResult& r) {
  std::vector<model::EventKind> kinds;
  for (const model::KernelEvent& e : r.events)
    if (e.kind != model::EventKind::kInfo) kinds.push_back(e.kind);
  return kinds;
}

std::string EventsText(const std::vector<model::EventKind>& kinds) {
  std::string s;
  for (model::EventKind k : kinds) s += (s.empty() ? "" : ",") + std::string(EventKindName(k));
  return s.empty() ? "none" : s;
}

std::string SnapshotText(const std::vector<uint8_t>& bytes) {
  std::string s;
  for (uint8_t b : bytes) s += fmt::format("{}{:02x}", s.empty() ? "" : ",", b);
  return s;
}

std::string SignalText(model::Signal s) {
  return s == model::Signal::kSigsegv ? "SIGSEGV" : s == model::Signal::kSigbus ? "SIGBUS" : "none";
}

// The kind of the entry mapping page `va` of `mm` in `w`, as step expectations name it.
std::string EntryKind(const model::World& w, int mm, int va) {
  if (mm >= static_cast<int>(w.mms.size()) || !w.mms[static_cast<size_t>(mm)].exists) return "none";
  if (w.PmdOf(mm, va).kind == model::PmdKind::kHuge) return "huge-pmd";
  return model::PteKindName(w.mms[static_cast<size_t>(mm)].ptes[static_cast<size_t>(va)].kind);
}

// Parses the expectations after "=>" (tokens `from`..end).
StepExpect ParseStepExpect(const Line& line, const std::vector<Token>& toks, size_t from,
                           const model::Universe& u) {
  StepExpect e;
  std::vector<std::string> seen;
  for (size_t t = from; t < toks.size(); ++t) {
    const Token& tok = toks[t];
    const size_t eq = tok.text.find('=');
    if (eq == std::string_view::npos)
      line.Fail(tok.col,
                fmt::format("expected an expectation key=value after '=>', got '{}'", tok.text));
    const std::string_view key = tok.text.substr(0, eq), value = tok.text.substr(eq + 1);
    const size_t col = tok.col + eq + 1;
    if (std::find(seen.begin(), seen.end(), key) != seen.end())
      line.Fail(tok.col, fmt::format("expectation '{}' given twice", key));
    seen.emplace_back(key);
    auto number = [&](int lo) {
      int v = 0;
      if (!ParseInt(value, v) || v < lo)
        line.Fail(col, fmt::format("{}='{}' is not a number{}", key, value,
                                   lo == 0 ? " (0 or more)" : ""));
      return v;
    };
    if (key == "ret") {
      int v = 1;
      for (int n = 0; n <= 200 && v > 0; ++n)
        if (model::RetName(-n) == value) v = -n;
      if (v > 0 && ParseInt(value, v) && v <= 0) {
      } else if (v > 0) {
        line.Fail(col, fmt::format("ret='{}' is not 0, an errno name (-EBUSY) or -N", value));
      }
      e.ret = v;
    } else if (key == "signal") {
      if (value == "none")
        e.signal = model::Signal::kNone;
      else if (value == "SIGSEGV")
        e.signal = model::Signal::kSigsegv;
      else if (value == "SIGBUS")
        e.signal = model::Signal::kSigbus;
      else
        line.Fail(col, fmt::format("signal='{}' is not one of: none, SIGSEGV, SIGBUS", value));
    } else if (key == "blocked") {
      if (value != "yes" && value != "no")
        line.Fail(col, fmt::format("blocked='{}' is not yes or no", value));
      e.blocked = value == "yes";
    } else if (key == "value") {
      e.value = number(0);
    } else if (key == "cpages") {
      e.cpages = number(0);
    } else if (key == "faults") {
      e.faults = number(0);
    } else if (key == "snapshot") {
      std::vector<uint8_t> bytes;
      size_t at = 0;
      while (at <= value.size()) {
        size_t comma = value.find(',', at);
        if (comma == std::string_view::npos) comma = value.size();
        const std::string_view byte = value.substr(at, comma - at);
        unsigned v = 0;
        auto [p, ec] = std::from_chars(byte.data(), byte.data() + byte.size(), v, 16);
        if (byte.size() != 2 || ec != std::errc() || p != byte.data() + byte.size())
          line.Fail(col + at, fmt::format("snapshot byte '{}' is not two hex digits", byte));
        bytes.push_back(static_cast<uint8_t>(v));
        at = comma + 1;
      }
      e.snapshot = bytes;
    } else if (key == "event") {
      std::vector<model::EventKind> kinds;
      if (value != "none") {
        size_t at = 0;
        while (at <= value.size()) {
          size_t comma = value.find(',', at);
          if (comma == std::string_view::npos) comma = value.size();
          const std::string_view name = value.substr(at, comma - at);
          bool known = false;
          for (const auto& [kind, kind_name] : kEventKinds)
            if (name == kind_name && kind != model::EventKind::kInfo) {
              kinds.push_back(kind);
              known = true;
            }
          if (!known)
            line.Fail(col + at, fmt::format("event '{}' is not one of: none, bug, corruption, "
                                            "warn, dump-page",
                                            name));
          at = comma + 1;
        }
      }
      e.events = kinds;
    } else if (key.starts_with("entry@")) {
      // entry@mm0:p1=device-exclusive
      const std::string_view where = key.substr(6);
      const size_t colon = where.find(':');
      int mm = 0, va = 0;
      if (!where.starts_with("mm") || colon == std::string_view::npos ||
          where.substr(colon + 1, 1) != "p" || !ParseInt(where.substr(2, colon - 2), mm) ||
          !ParseInt(where.substr(colon + 2), va))
        line.Fail(tok.col, fmt::format("'{}' must look like entry@mm0:p1=KIND", tok.text));
      auto [mlo, mhi] = model::ArgRange(ArgKind::kMm, u);
      auto [vlo, vhi] = model::ArgRange(ArgKind::kVa, u);
      if (mm < mlo || mm > mhi || va < vlo || va > vhi)
        line.Fail(tok.col + 6, fmt::format("{} is outside universe {}", where, u.ToString()));
      bool known = value == "huge-pmd";
      for (int k = 0; k <= static_cast<int>(model::PteKind::kMigrationDeviceWrite); ++k)
        known |= value == model::PteKindName(static_cast<model::PteKind>(k));
      if (!known)
        line.Fail(col, fmt::format("'{}' is not an entry kind (none, present, swap, "
                                   "device-exclusive, ..., huge-pmd)",
                                   value));
      e.entries.push_back({mm, va, std::string(value)});
    } else {
      line.Fail(tok.col, fmt::format("unknown expectation '{}' (known: ret, signal, blocked, "
                                     "value, cpages, faults, snapshot, event, entry@mmM:pN)",
                                     key));
    }
  }
  if (from >= toks.size()) line.Fail(toks[from - 1].col + 2, "'=>' needs at least one expectation");
  return e;
}

// Parses "N op key=value ..." (the comment already removed).
Op ParseStep(const Line& line, const std::vector<Token>& toks, int expected_number,
             const model::Universe& u) {
  int n = 0;
  if (!ParseInt(toks[0].text, n))
    line.Fail(toks[0].col, fmt::format("expected a step number, got '{}'", toks[0].text));
  if (n != expected_number)
    line.Fail(toks[0].col,
              fmt::format("step number {} out of order (expected {})", n, expected_number));
  if (toks.size() < 2) line.Fail(toks[0].col + toks[0].text.size(), "missing operation");
  const OpInfo* info = model::FindOp(toks[1].text);
  if (!info) {
    std::vector<std::string_view> names;
    for (const OpInfo& o : model::OpTable()) names.push_back(o.name);
    line.Fail(toks[1].col,
              fmt::format("unknown operation '{}' (known: {})", toks[1].text, Join(names)));
  }
  Op op;
  op.code = info->code;
  std::vector<bool> seen(info->args.size(), false);
  bool folio_seen = false;
  for (size_t t = 2; t < toks.size() && toks[t].text != "=>"; ++t) {
    const Token& tok = toks[t];
    size_t eq = tok.text.find('=');
    if (eq == std::string_view::npos)
      line.Fail(tok.col, fmt::format("expected name=value, got '{}'", tok.text));
    std::string_view name = tok.text.substr(0, eq), value = tok.text.substr(eq + 1);
    size_t value_col = tok.col + eq + 1;
    if (info->names_folio && name == "folio") {
      if (folio_seen) line.Fail(tok.col, "argument 'folio' given twice");
      folio_seen = true;
      // "@mm0:p3"
      size_t colon = value.find(':');
      if (!value.starts_with("@mm") || colon == std::string_view::npos ||
          value.substr(colon + 1, 1) != "p")
        line.Fail(value_col, fmt::format("folio='{}' must look like @mm0:p3", value));
      int mm = 0, va = 0;
      if (!ParseInt(value.substr(3, colon - 3), mm) || !ParseInt(value.substr(colon + 2), va))
        line.Fail(value_col, fmt::format("folio='{}' must look like @mm0:p3", value));
      auto [mlo, mhi] = model::ArgRange(ArgKind::kMm, u);
      auto [vlo, vhi] = model::ArgRange(ArgKind::kVa, u);
      if (mm < mlo || mm > mhi || va < vlo || va > vhi)
        line.Fail(value_col, fmt::format("folio={} is outside universe {}", value, u.ToString()));
      op.args[0] = static_cast<int16_t>(mm);
      op.args[1] = static_cast<int16_t>(va);
      seen[0] = seen[1] = true;
      continue;
    }
    size_t idx = info->args.size();
    for (size_t a = info->names_folio ? 2 : 0; a < info->args.size(); ++a)
      if (info->args[a].name == name) idx = a;
    if (idx == info->args.size()) {
      std::vector<std::string_view> names;
      if (info->names_folio) names.push_back("folio");
      for (size_t a = info->names_folio ? 2 : 0; a < info->args.size(); ++a)
        names.push_back(info->args[a].name);
      line.Fail(tok.col, fmt::format("{} has no argument '{}' (arguments: {})", info->name, name,
                                     Join(names)));
    }
    if (seen[idx]) line.Fail(tok.col, fmt::format("argument '{}' given twice", name));
    seen[idx] = true;
    op.args[idx] = static_cast<int16_t>(
        ParseValue(line, tok, value_col, name, info->args[idx].kind, value, u));
  }
  for (size_t a = 0; a < info->args.size(); ++a)
    if (!seen[a])
      line.Fail(line.text.size(), fmt::format("{} is missing argument '{}'", info->name,
                                              info->names_folio && a < 2 ? std::string_view("folio")
                                                                         : info->args[a].name));
  return op;
}

}  // namespace

std::string_view EventKindName(model::EventKind k) {
  for (const auto& [kind, name] : kEventKinds)
    if (kind == k) return name;
  return "?";
}

std::string PrintStepExpect(const StepExpect& e) {
  std::vector<std::string> parts;
  if (e.ret) parts.push_back("ret=" + model::RetName(*e.ret));
  if (e.signal) parts.push_back("signal=" + SignalText(*e.signal));
  if (e.blocked) parts.push_back(*e.blocked ? "blocked=yes" : "blocked=no");
  if (e.value) parts.push_back(fmt::format("value={}", *e.value));
  if (e.cpages) parts.push_back(fmt::format("cpages={}", *e.cpages));
  if (e.faults) parts.push_back(fmt::format("faults={}", *e.faults));
  if (e.snapshot) parts.push_back("snapshot=" + SnapshotText(*e.snapshot));
  if (e.events) parts.push_back("event=" + EventsText(*e.events));
  for (const StepExpect::Entry& x : e.entries)
    parts.push_back(fmt::format("entry@mm{}:p{}={}", x.mm, x.va, x.kind));
  std::string s;
  for (const std::string& p : parts) s += (s.empty() ? "" : " ") + p;
  return s;
}

std::vector<std::string> StepExpectMismatches(const StepExpect& e, const model::StepResult& r,
                                              const model::World& after) {
  std::vector<std::string> out;
  const model::Outcome& o = r.outcome;
  auto differ = [&](const char* what, const std::string& is, const std::string& want) {
    if (is != want) out.push_back(fmt::format("{} is {}, the trace expects {}", what, is, want));
  };
  if (e.ret) differ("ret", model::RetName(o.ret), model::RetName(*e.ret));
  if (e.signal) differ("signal", SignalText(o.signal), SignalText(*e.signal));
  if (e.blocked) differ("blocked", o.blocked ? "yes" : "no", *e.blocked ? "yes" : "no");
  if (e.value)
    differ("value", o.value < 0 ? "(nothing read)" : std::to_string(o.value),
           std::to_string(*e.value));
  if (e.cpages) differ("cpages", std::to_string(o.cpages), std::to_string(*e.cpages));
  if (e.faults) differ("faults", std::to_string(o.faults), std::to_string(*e.faults));
  if (e.snapshot)
    differ("snapshot", o.prot.empty() ? "(none)" : SnapshotText(o.prot), SnapshotText(*e.snapshot));
  if (e.events) differ("event", EventsText(VisibleEventKinds(r)), EventsText(*e.events));
  for (const StepExpect::Entry& x : e.entries)
    differ(fmt::format("entry@mm{}:p{}", x.mm, x.va).c_str(), EntryKind(after, x.mm, x.va), x.kind);
  return out;
}

StepExpect ExpectationsOf(const model::StepResult& r) {
  StepExpect e;
  const model::Outcome& o = r.outcome;
  e.ret = o.ret;
  if (o.signal != model::Signal::kNone) e.signal = o.signal;
  if (o.blocked) e.blocked = true;
  if (o.value >= 0) e.value = o.value;
  if (o.cpages || o.faults) {
    e.cpages = o.cpages;
    e.faults = o.faults;
  }
  if (!o.prot.empty()) e.snapshot = o.prot;
  const std::vector<model::EventKind> kinds = VisibleEventKinds(r);
  if (!kinds.empty()) e.events = kinds;
  return e;
}

// Adds `more` (a continuation line's expectations) to `into`; a key the
// step already states is an error, as it is within one line.
void MergeStepExpect(const Line& line, size_t col, StepExpect more, StepExpect& into) {
  auto merge = [&](auto& to, auto& from, std::string_view key) {
    if (!from) return;
    if (to) line.Fail(col, fmt::format("expectation '{}' given twice", key));
    to = std::move(from);
  };
  merge(into.ret, more.ret, "ret");
  merge(into.signal, more.signal, "signal");
  merge(into.blocked, more.blocked, "blocked");
  merge(into.value, more.value, "value");
  merge(into.cpages, more.cpages, "cpages");
  merge(into.faults, more.faults, "faults");
  merge(into.snapshot, more.snapshot, "snapshot");
  merge(into.events, more.events, "event");
  for (StepExpect::Entry& e : more.entries) {
    for (const StepExpect::Entry& have : into.entries)
      if (have.mm == e.mm && have.va == e.va)
        line.Fail(col, fmt::format("expectation 'entry@mm{}:p{}' given twice", e.mm, e.va));
    into.entries.push_back(std::move(e));
  }
}

// "N op => expectations  # comment", wrapped so that no line passes
// `width` columns when it can be helped: the expectations move to
// continuation lines ("   => ...") of as many tokens as fit.
std::string PrintStepLines(int n, const TraceStep& step, size_t width) {
  std::string first = fmt::format("{} {}", n, PrintOp(step.op));
  const std::string expect = step.expect.Empty() ? "" : PrintStepExpect(step.expect);
  const std::string tail = step.trailing.empty() ? "" : "  # " + step.trailing;
  if (expect.empty()) return first + tail + "\n";
  std::string one = first + " => " + expect;
  if (one.size() + tail.size() <= width) return one + tail + "\n";
  std::string out = first + "\n";
  std::string cont = "   =>";
  size_t at = 0;
  while (at < expect.size()) {
    size_t sp = expect.find(' ', at);
    if (sp == std::string::npos) sp = expect.size();
    const std::string_view tok(expect.data() + at, sp - at);
    if (cont.size() > 5 && cont.size() + 1 + tok.size() > width) {
      out += cont + "\n";
      cont = "   =>";
    }
    cont += " ";
    cont += tok;
    at = sp + 1;
  }
  return out + cont + tail + "\n";
}

std::string PrintOp(const Op& op) {
  return model::FormatOp(op);
}

Trace ParseTrace(std::string_view file, std::string_view text) {
  try {
    text = model::CheckInputText(file, text);
  } catch (const model::ModelInputError& e) {
    throw TraceError(e.what());
  }
  Trace t;
  enum Phase {
    kPreamble,
    kProfile,
    kUniverse,
    kKnobsOrExpect,
    kQuestion,
    kSteps
  } phase = kPreamble;
  std::vector<std::string> pending_comments;
  int number = 0;
  size_t pos = 0;
  int line_no = 0;
  int last_line = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view raw = text.substr(pos, nl - pos);
    pos = nl + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);  // CRLF (CheckInputText)
    if (nl == text.size() && raw.empty()) break;
    last_line = line_no;
    Line line{file, line_no, raw};
    std::string comment;
    bool has_comment = false;
    std::vector<Token> toks = Tokenize(raw, &comment, &has_comment);
    if (toks.empty() && !has_comment) continue;  // blank line
    if (toks.empty()) {                          // a full-line comment
      if (phase == kPreamble)
        t.header_comments.push_back(comment);
      else if (phase == kSteps)
        pending_comments.push_back(comment);
      else
        line.Fail(raw.find('#'),
                  "comments inside the header are not allowed; put them "
                  "before 'mmtrace' or before a step");
      continue;
    }
    std::string_view key = toks[0].text;
    auto rest_of = [&](size_t tok_index) {
      std::string_view r = raw.substr(
          toks[tok_index].col, toks.back().col + toks.back().text.size() - toks[tok_index].col);
      while (!r.empty() && (r.back() == ' ' || r.back() == '\t')) r.remove_suffix(1);
      return r;
    };
    auto expect_key = [&](std::string_view want) {
      if (key != want) line.Fail(toks[0].col, fmt::format("expected '{}', got '{}'", want, key));
      if (toks.size() < 2) line.Fail(raw.size(), fmt::format("'{}' needs a value", want));
      if (has_comment && phase != kSteps)
        line.Fail(raw.find('#'), "comments inside the header are not allowed");
    };
    switch (phase) {
      case kPreamble: {
        expect_key("mmtrace");
        int v = 0;
        if (!ParseInt(toks[1].text, v) || toks.size() != 2)
          line.Fail(toks[1].col,
                    fmt::format("'mmtrace' takes a format version, got '{}'", rest_of(1)));
        if (v != kTraceFormatVersion)
          line.Fail(toks[1].col, fmt::format("unsupported trace format version {} (this mmcheck "
                                             "reads version {})",
                                             v, kTraceFormatVersion));
        t.version = v;
        phase = kProfile;
        break;
      }
      case kProfile:
        expect_key("profile");
        if (toks.size() != 2) line.Fail(toks[2].col, "'profile' takes one name or path");
        t.profile = std::string(toks[1].text);
        t.profile_line = line_no;
        t.profile_column = static_cast<int>(toks[1].col) + 1;
        phase = kUniverse;
        break;
      case kUniverse:
        expect_key("universe");
        if (toks.size() != 2) line.Fail(toks[2].col, "'universe' takes one key=value,... list");
        try {
          t.universe = model::ParseUniverse(toks[1].text);
        } catch (const model::ModelInputError& e) {
          line.Fail(toks[1].col, e.what());
        }
        phase = kKnobsOrExpect;
        break;
      case kKnobsOrExpect:
        if (key == "knob") {
          expect_key("knob");
          if (toks.size() != 2) line.Fail(toks[2].col, "'knob' takes one name=value");
          const model::KnobInfo* k = nullptr;
          std::string_view kv = toks[1].text;
          size_t eq = kv.find('=');
          if (eq != std::string_view::npos) k = model::FindKnob(kv.substr(0, eq));
          if (!k)
            line.Fail(toks[1].col, fmt::format("'{}' is not name=value of a known knob "
                                               "(see `mmcheck knobs`)",
                                               kv));
          if (model::KnobValueIndex(*k, kv.substr(eq + 1)) < 0)
            line.Fail(toks[1].col + eq + 1,
                      fmt::format("knob '{}' has no value '{}' (accepted: {})", k->name,
                                  kv.substr(eq + 1), Join(k->values)));
          t.knobs.emplace_back(kv);
          t.knob_positions.push_back({line_no, static_cast<int>(toks[1].col) + 1});
          break;
        }
        expect_key("expect");
        if (toks[1].text == "holds" && toks.size() == 2) {
          t.expect = Expectation{};
        } else if (toks[1].text == "violates" && toks.size() == 3) {
          if (properties::PropertyIndex(toks[2].text) < 0)
            line.Fail(toks[2].col, fmt::format("unknown property '{}' (see `mmcheck properties`)",
                                               toks[2].text));
          t.expect = Expectation{false, std::string(toks[2].text)};
        } else {
          line.Fail(toks[1].col, "expected 'expect holds' or 'expect violates <property>'");
        }
        phase = kQuestion;
        break;
      case kQuestion:
        expect_key("question");
        t.question = std::string(rest_of(1));
        phase = kSteps;
        break;
      case kSteps: {
        if (key == "=>") {
          // A continuation: more expectations of the step above, on a line
          // of their own (the printer wraps a step at 75 columns).
          if (t.steps.empty() || !pending_comments.empty())
            line.Fail(toks[0].col, "'=>' continues a step's expectations: it must follow the step");
          TraceStep& prev = t.steps.back();
          MergeStepExpect(line, toks[0].col, ParseStepExpect(line, toks, 1, t.universe),
                          prev.expect);
          if (has_comment) {
            if (!prev.trailing.empty())
              line.Fail(raw.find('#'), "a step takes one trailing comment, on its last line");
            prev.trailing = comment;
          } else if (!prev.trailing.empty()) {
            line.Fail(toks[0].col, "the step's trailing comment must come on its last line");
          }
          break;
        }
        TraceStep step;
        step.op = ParseStep(line, toks, ++number, t.universe);
        for (size_t k = 2; k < toks.size(); ++k)
          if (toks[k].text == "=>") {
            step.expect = ParseStepExpect(line, toks, k + 1, t.universe);
            break;
          }
        step.comments = std::move(pending_comments);
        pending_comments.clear();
        if (has_comment) step.trailing = comment;
        step.line = line_no;
        t.steps.push_back(std::move(step));
        break;
      }
    }
  }
  static const char* kMissing[] = {"'mmtrace 1'", "'profile'", "'universe'", "'expect'",
                                   "'question'"};
  if (phase != kSteps)
    throw TraceError(model::Printable(
        fmt::format("{}:{}:1: the header ends before {}", file, last_line + 1, kMissing[phase])));
  if (!pending_comments.empty())
    throw TraceError(model::Printable(
        fmt::format("{}:{}:1: comments after the last step belong to no step", file, last_line)));
  return t;
}

Trace ReadTraceFile(const std::string& path) {
  std::string text;
  try {
    text = model::ReadInputFile(path, "trace file");
  } catch (const model::ModelInputError& e) {
    throw TraceError(e.what());
  }
  return ParseTrace(path, text);
}

std::string PrintTrace(const Trace& t) {
  std::string s;
  auto comment = [](const std::string& c) {
    return c.empty() ? std::string("#\n") : "# " + c + "\n";
  };
  for (const std::string& c : t.header_comments) s += comment(c);
  s += fmt::format("mmtrace {}\nprofile {}\nuniverse {}\n", t.version, t.profile,
                   t.universe.ToString());
  for (const std::string& k : t.knobs) s += "knob " + k + "\n";
  s += t.expect.holds ? std::string("expect holds\n")
                      : "expect violates " + t.expect.property + "\n";
  s += "question " + t.question + "\n\n";
  int n = 0;
  for (const TraceStep& step : t.steps) {
    for (const std::string& c : step.comments) s += comment(c);
    s += PrintStepLines(++n, step, kTraceWidth);
  }
  return s;
}

model::Profile TraceProfile(const Trace& t, std::string_view file) {
  model::Profile p;
  try {
    std::string name = t.profile;
    if (!model::ProfileSet::Builtin().Find(name) && name.ends_with(".toml") &&
        !std::filesystem::path(name).is_absolute())
      name = (std::filesystem::path(file).parent_path() / name).string();
    p = model::ResolveProfile(name);
  } catch (const model::ModelInputError& e) {
    throw TraceError(model::Printable(
        fmt::format("{}:{}:{}: {}", file, t.profile_line, t.profile_column, e.what())));
  }
  ApplyTraceKnobs(t, file, p);
  return p;
}

void ApplyTraceKnobs(const Trace& t, std::string_view file, model::Profile& p) {
  for (size_t i = 0; i < t.knobs.size(); ++i) {
    // A Trace built in code has no positions; one parsed from text has one per knob.
    const Trace::Position at =
        i < t.knob_positions.size() ? t.knob_positions[i] : Trace::Position{};
    try {
      model::ApplyKnobOverride(p, t.knobs[i],
                               fmt::format("{}:{}:{}: knob", file, at.line, at.column));
    } catch (const model::ModelInputError& e) {
      throw TraceError(e.what());
    }
  }
}

void CheckPreconditions(const Trace& t, std::string_view file, const model::Profile& p) {
  model::World w = model::World::Initial(t.universe, p.knobs);
  int n = 0;
  for (const TraceStep& step : t.steps) {
    ++n;
    if (!model::Enabled(w, step.op))
      throw TraceError(
          fmt::format("{}:{}:1: step {}: '{}' cannot run in this state (its "
                      "precondition does not hold: no such mm or no folio there)",
                      file, step.line, n, PrintOp(step.op)));
    model::Apply(w, step.op);
  }
}

}  // namespace mmcheck::traces
