// TX_HD marks small math helpers shared by CPU kernels and CUDA kernels, so both twins
// use the same formula (only the reduction order differs).
#pragma once
#if defined(__CUDACC__)
#define TX_HD __host__ __device__ __forceinline__
#else
#define TX_HD inline
#endif
