// SPDX-License-Identifier: GPL-2.0
// HMM PFN flags; see hmm_pfn.h for the kernel sources.
#include "model/kernel/hmm_pfn.h"

namespace mmcheck::model::kernel {

std::vector<NamedMask> HmmPfnFlags(const HmmPfnLayout& l) {
  std::vector<NamedMask> out = {
      {"HMM_PFN_VALID", HMM_PFN_VALID},
      {"HMM_PFN_WRITE", HMM_PFN_WRITE},
      {"HMM_PFN_ERROR", HMM_PFN_ERROR},
  };
  if (l.dma_flags) {
    out.push_back({"HMM_PFN_DMA_MAPPED", HMM_PFN_DMA_MAPPED});
    out.push_back({"HMM_PFN_P2PDMA", HMM_PFN_P2PDMA});
    out.push_back({"HMM_PFN_P2PDMA_BUS", HMM_PFN_P2PDMA_BUS});
  }
  if (l.device_private_bit >= 0) out.push_back({"HMM_PFN_DEVICE_PRIVATE", HmmPfnDevicePrivate(l)});
  return out;
}

}  // namespace mmcheck::model::kernel
