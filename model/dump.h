// SPDX-License-Identifier: GPL-2.0
// One compact picture of the world, used in traces, test comments and
// counterexamples (STYLE.md item 9):
//
//   mm0 [0,4) rw private | p0 P:0x100 wd  p1 X:0x101  p2 -  p3 S:s0
//   folio 0x100 o0 anon ref:1 map:1 AX dirty  data:[7]
//   swap s0:1  dev0 mm0:p1=A:0x101
//
// PTE codes: - none, P present (w writable, d dirty), Z zero page, X device-
// exclusive (Xr/Xw: OLD read/write pair), S swap, M migration, H huge PMD.
//
// The picture leaves some fields out, named in kFieldsNotDrawn; every other
// World field shows (tests/model/dump_test.cpp changes each field of a world
// in turn, through the field lists of model/fields.h, and compares pictures).
#pragma once

#include <string>
#include <string_view>

#include "model/world.h"

namespace mmcheck::model {

std::string DrawWorld(const World& w);
// dump_folio-style line: "folio 0x100 o0 anon ref:1 map:1 AX dirty data:[7]".
std::string DrawFolio(const World& w, int head);

// The field paths (model/fields.h ForEachLeaf) DrawWorld does not draw. The
// universe and the knobs are the frame of the picture, not part of it.
inline constexpr std::string_view kFieldsNotDrawn[] = {
    "universe", "knobs",
    // Bookkeeping a reader of a counterexample rarely needs; the encoding,
    // ITF's `world` and the properties still see it.
    "mms.vmas.anon_vma", "mms.vmas.anon_vma_inherited", "mms.vmas.shmem", "mms.vmas.pgoff",
    "mms.pmds.dirty", "mms.pmds.young", "mms.ptes.young", "mms.ptes.soft_dirty", "mms.ptes.uffd_wp",
    "pages.swapbacked", "pages.lru", "pages.index", "pgmaps.owner", "pgmaps.first_frame",
    // Which shmem object owns a folio (the picture says "shmem"), and the
    // objects themselves: their folios are drawn as folios.
    "pages.shmem", "shmem.folio", "shmem.logical", "shmem.users",
    // What a correct kernel would return: data mismatches report it.
    "mms.logical",
    // The content of a swap slot (its count is drawn).
    "swap.data",
    // Device folios under eviction: drawn as locked folios behind migration
    // entries.
    "migrating"};

}  // namespace mmcheck::model
