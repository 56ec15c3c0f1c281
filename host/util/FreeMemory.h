// How much freed memory the daemon keeps. glibc's malloc keeps what is freed inside its arenas
// (one per thread that met contention, up to eight per core, each a heap of its own) and gives
// back only a heap's free top, past a threshold that grows with the largest block freed. The
// daemon runs each operation on a thread of its own and serves requests from a pool of threads:
// each instance lifecycle's short-lived objects are scattered over those heaps, whose holes
// never reach a top. Its RSS grew by ~85 KiB per lifecycle (battery R-5, 100 cycles) with under
// 1.5 MiB of live heap (heaptrack) and nothing leaked; idle threads' caches did the rest
// (api/HttpServer.cpp).
#pragma once

namespace lxdp::util {

// Caps malloc's arenas at the number of cores (at least 2): a thread waits for an arena no more
// than it waits for a core, and freed memory has fewer heaps to be scattered over. Called
// before the daemon's first thread.
void limitMallocArenas();

// Returns the free pages of every arena to the kernel (malloc_trim(0), which releases pages
// inside a heap, not only its top). Well under a millisecond for the daemon's heaps: called
// once work has ended (finished operations forgotten, idle threads ended), never on a
// request's path.
void releaseFreeMemory();

}  // namespace lxdp::util
