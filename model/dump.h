// One compact picture of the world, used in traces, test comments and
// counterexamples (STYLE.md item 9):
//
//   mm0 [0,4) rw private | p0 P:0x100 wd  p1 X:0x101  p2 -  p3 S:s0
//   folio 0x100 o0 anon ref:1 map:1 AX dirty  data:[7]
//   swap s0:1  dev0 mm0:p1=A:0x101
//
// PTE codes: - none, P present (w writable, d dirty), Z zero page, X device-
// exclusive (Xr/Xw: OLD read/write pair), S swap, M migration, H huge PMD.
#pragma once

#include <string>

#include "model/world.h"

namespace mmcheck::model {

std::string DrawWorld(const World& w);
// dump_folio-style line: "folio 0x100 o0 anon ref:1 map:1 AX dirty data:[7]".
std::string DrawFolio(const World& w, int head);

}  // namespace mmcheck::model
