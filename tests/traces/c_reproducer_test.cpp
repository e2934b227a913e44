// SPDX-License-Identifier: GPL-2.0
// The C reproducer (traces/c_reproducer.cpp): what each kind of step
// becomes, and that the expectations come from the profile's run. The
// cmake test c_reproducer (c_reproducer.cmake) compiles every corpus
// trace's reproducer and runs the device-free one on this machine's kernel.
#include "traces/c_reproducer.h"

#include <gtest/gtest.h>

#include "model/profile.h"

namespace mmcheck::traces {
namespace {

std::string Corpus(const std::string& name) {
  return std::string(MMCHECK_SOURCE_DIR) + "/tests/corpus/" + name;
}

CReproducer Export(const std::string& file, const std::string& profile = "") {
  Trace t = ReadTraceFile(file);
  model::Profile p = profile.empty() ? TraceProfile(t, file) : model::ResolveProfile(profile);
  return ExportCReproducer(t, file, Replay(t, file, p));
}

// dmirror ioctls carry the model's return value and counts; reclaim has no
// user-space trigger, so it stays a comment and the file says it is partial.
TEST(CReproducer, DeviceStepsAreIoctlsAndBackgroundWorkIsAComment) {
  CReproducer r = Export(Corpus("bug-03-unswappable-exclusive.mmtrace"));
  EXPECT_EQ(r.commented_steps, 1);
  EXPECT_NE(r.source.find("PARTIAL: 1 step(s)"), std::string::npos);
  EXPECT_NE(r.source.find("/* not reproduced: reclaim runs through shrink_folio_list"),
            std::string::npos);
  EXPECT_NE(r.source.find("expect(4, \"HMM_DMIRROR_EXCLUSIVE\", dmirror(0, HMM_DMIRROR_EXCLUSIVE, "
                          "0, 1, &cmd), 0);"),
            std::string::npos)
      << r.source;
  EXPECT_NE(r.source.find("expect(4, \"cpages\", cmd.cpages, 1);"), std::string::npos);
  EXPECT_NE(r.source.find("MADV_NOHUGEPAGE"), std::string::npos);
  EXPECT_NE(r.source.find("#define NR_STEPS 5"), std::string::npos);
}

// fork makes the child process stand for the new mm; a PROT_NONE access
// expects SIGSEGV; a read expects the value the model read.
TEST(CReproducer, ForkSignalsAndValuesFollowTheModel) {
  CReproducer r = Export(Corpus("cpu-fork-cow-mprotect.mmtrace"));
  EXPECT_EQ(r.commented_steps, 0);
  EXPECT_EQ(r.source.find("PARTIAL"), std::string::npos);
  EXPECT_NE(r.source.find("become(1);"), std::string::npos);
  EXPECT_NE(r.source.find("expect(9, \"signal\", sig, 11);"), std::string::npos) << r.source;
  EXPECT_NE(r.source.find("expect(5, \"value read\", value, 9);"), std::string::npos);
  EXPECT_NE(r.source.find("expect(6, \"value read\", value, 5);"), std::string::npos);
  // The child's steps wait for their turn like the parent's.
  EXPECT_NE(r.source.find("if (self == 1) {\n\t\twait_turn(4);"), std::string::npos);
}

// What a device read expects is what the model read on the chosen profile:
// the values the CPU wrote, page by page.
TEST(CReproducer, DeviceReadExpectsTheModelsValues) {
  const std::string text =
      "mmtrace 1\nprofile linux-6.15\nuniverse "
      "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
      "expect holds\nquestion q\n\n"
      "1 mmap mm=mm0 va=0 npages=2 prot=rw kind=private\n"
      "2 cpu_write mm=mm0 va=0 value=7\n"
      "3 cpu_write mm=mm0 va=1 value=8\n"
      "4 dev_read dev=dev0 mm=mm0 va=0 npages=2\n";
  Trace t = ParseTrace("inline.mmtrace", text);
  model::Profile p = model::ResolveProfile("linux-6.15");
  CReproducer r = ExportCReproducer(t, "inline.mmtrace", Replay(t, "inline.mmtrace", p));
  EXPECT_NE(r.source.find("expect_mirror(4, 2, (const int[]){ 7, 8 });"), std::string::npos)
      << r.source;
  EXPECT_NE(r.source.find(
                "expect(4, \"HMM_DMIRROR_READ\", dmirror(0, HMM_DMIRROR_READ, 0, 2, &cmd), 0);"),
            std::string::npos);
}

// hmm-tests' migrate: HMM_DMIRROR_MIGRATE_TO_DEV with the model's cpages;
// RELEASE and the releasing thread have no trigger and stay comments.
TEST(CReproducer, MigrationToTheDeviceIsAnIoctl) {
  CReproducer r = Export(Corpus("hmm-migrate.mmtrace"));
  EXPECT_NE(r.source.find("expect(5, \"HMM_DMIRROR_MIGRATE_TO_DEV\", "
                          "dmirror(0, HMM_DMIRROR_MIGRATE_TO_DEV, 0, 4, &cmd), 0);\n"
                          "\t\texpect(5, \"cpages\", cmd.cpages, 4);"),
            std::string::npos)
      << r.source;
  EXPECT_EQ(r.commented_steps, 2);  // dev_release, unlock_folio
}

// hmm-tests snapshot: HMM_DMIRROR_SNAPSHOT with the model's bytes, each
// compared in full (no page of this trace is PMD-mapped or hugetlb).
TEST(CReproducer, SnapshotExpectsTheModelsBytes) {
  CReproducer r = Export(Corpus("hmm-snapshot.mmtrace"));
  EXPECT_EQ(r.commented_steps, 0);
  EXPECT_NE(r.source.find("expect(12, \"HMM_DMIRROR_SNAPSHOT\", "
                          "dmirror(0, HMM_DMIRROR_SNAPSHOT, 0, 7, &cmd), 0);\n"
                          "\t\texpect(12, \"cpages\", cmd.cpages, 7);\n"
                          "\t\texpect_snapshot(12, 7, (const int[]){ 255, 255, 17, 1, 2, 34, 0 }, "
                          "(const int[]){ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff });"),
            std::string::npos)
      << r.source;
  EXPECT_NE(r.source.find("_IOWR('H', 0x04, struct hmm_dmirror_cmd)"), std::string::npos);
}

// Where the model maps a page with its scaled-down PMD the kernel maps it
// with PTEs: the PMD bit is masked off (THP: WRITE|PMD is compared as WRITE).
TEST(CReproducer, SnapshotMasksThePmdBitOfModelPmds) {
  const std::string text =
      "mmtrace 1\nprofile linux-6.15\nuniverse "
      "mms=2,pages=4,folios=6,swap=4,devices=1,pmd_order=2\n"
      "expect holds\nquestion q\n\n"
      "1 mmap mm=mm0 va=0 npages=4 prot=rw kind=private\n"
      "2 madvise mm=mm0 va=0 npages=4 advice=hugepage\n"
      "3 cpu_write mm=mm0 va=0 value=7\n"
      "4 dev_snapshot dev=dev0 mm=mm0 va=0 npages=4\n";
  Trace t = ParseTrace("inline.mmtrace", text);
  model::Profile p = model::ResolveProfile("linux-6.15");
  ReplayResult run = Replay(t, "inline.mmtrace", p);
  ASSERT_EQ(run.run.steps.back().result.outcome.prot, (std::vector<uint8_t>(4, 0x06)));
  CReproducer r = ExportCReproducer(t, "inline.mmtrace", run);
  EXPECT_NE(r.source.find("expect_snapshot(4, 4, (const int[]){ 2, 2, 2, 2 }, "
                          "(const int[]){ 0xfb, 0xfb, 0xfb, 0xfb });"),
            std::string::npos)
      << r.source;
}

// The model's coherent devices (universe coherent=N, the last ones) open
// dmirror minors 2 and 3, the MEMORY_DEVICE_COHERENT devices lib/test_hmm.c
// creates with spm_addr_dev0/1; private devices stay minors 0 and 1.
TEST(CReproducer, CoherentDevicesOpenMinorsTwoAndThree) {
  CReproducer coherent = Export(Corpus("hmm-migrate-coherent.mmtrace"));
  EXPECT_NE(coherent.source.find("#define DEV_MINORS { 2 }\n"), std::string::npos)
      << coherent.source;
  EXPECT_NE(coherent.source.find("spm_addr_dev0 and spm_addr_dev1"), std::string::npos);
  EXPECT_NE(coherent.source.find("\"/dev/hmm_dmirror%d\", dev_minor[dev]"), std::string::npos);
  CReproducer private_only = Export(Corpus("hmm-migrate.mmtrace"));
  EXPECT_NE(private_only.source.find("#define DEV_MINORS { 0 }\n"), std::string::npos);
  EXPECT_EQ(private_only.source.find("spm_addr_dev0"), std::string::npos);
}
}  // namespace
}  // namespace mmcheck::traces
