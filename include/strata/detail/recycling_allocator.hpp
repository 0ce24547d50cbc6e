// strata/detail/recycling_allocator.hpp - an allocator that keeps freed blocks of one size on a
// per-thread list and hands them out again.
//
// Why: a session allocates one block per object (the state and its shared_ptr control block) and
// frees them all at its end. With glibc that end returns the top of the heap to the kernel
// (malloc_trim above 128 KiB), and the next session faults every page back in: perf counted 600
// page faults per 11,000-object eager load, and 11,700 per 100,000-row hydrate on PostgreSQL,
// about a fifth of the time. Recycling the blocks keeps them mapped, as glibc would with a higher
// M_TRIM_THRESHOLD, without changing the host process's malloc settings.
//
// Bounds: each thread keeps at most object_recycling_limit() bytes per block size (16 MiB unless
// set_object_recycling_limit says otherwise; 0 turns recycling off); beyond that blocks go back to
// the heap. A thread's list is freed when the thread ends. A block freed on another thread than
// the one that allocated it joins the freeing thread's list. Sanitizer builds do not recycle, so
// AddressSanitizer still sees every use after free.
#pragma once

#include <atomic>
#include <cstddef>
#include <new>

namespace strata {

namespace detail {
/// The shared limit, in bytes per thread and block size.
inline std::atomic<std::size_t>& recycling_limit() noexcept {
    static std::atomic<std::size_t> limit{std::size_t{16} << 20};
    return limit;
}
}  // namespace detail

/// How many bytes of freed objects each thread keeps per object size for reuse (default 16 MiB).
[[nodiscard]] inline std::size_t object_recycling_limit() noexcept {
    return detail::recycling_limit().load(std::memory_order_relaxed);
}

/// Sets how many bytes of freed objects each thread keeps per object size; 0 turns recycling off.
inline void set_object_recycling_limit(std::size_t bytes) noexcept {
    detail::recycling_limit().store(bytes, std::memory_order_relaxed);
}

namespace detail {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
inline constexpr bool recycling_enabled = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || __has_feature(memory_sanitizer)
inline constexpr bool recycling_enabled = false;
#else
inline constexpr bool recycling_enabled = true;
#endif
#else
inline constexpr bool recycling_enabled = true;
#endif

/// One thread's free blocks of one size: trivially destructible, so it stays usable while other
/// thread-local objects are destroyed after its drain has run.
struct recycled_blocks {
    struct node {
        node* next;
    };
    node* head = nullptr;
    std::size_t count = 0;
    bool closed = false;  ///< the thread is ending: free blocks instead of keeping them
};

/// Heap storage for `bytes` aligned to Alignment (the aligned operator new only where it is needed).
template <std::size_t Alignment>
void* allocate_block(std::size_t bytes) {
    if constexpr (Alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__)
        return ::operator new (bytes, std::align_val_t{Alignment});
    return ::operator new(bytes);
}

/// Frees what allocate_block<Alignment> returned.
template <std::size_t Alignment>
void free_block(void* block) noexcept {
    if constexpr (Alignment > __STDCPP_DEFAULT_NEW_ALIGNMENT__) {
        ::operator delete (block, std::align_val_t{Alignment});
    } else {
        ::operator delete(block);
    }
}

/// Frees a thread's blocks when the thread ends.
template <std::size_t Size, std::size_t Alignment>
struct recycled_blocks_drain {
    recycled_blocks* blocks;
    ~recycled_blocks_drain() {
        blocks->closed = true;
        while (blocks->head) {
            auto* block = blocks->head;
            blocks->head = block->next;
            free_block<Alignment>(block);
        }
        blocks->count = 0;
    }
};

/// The calling thread's list for blocks of Size bytes aligned to Alignment.
template <std::size_t Size, std::size_t Alignment>
recycled_blocks& blocks_of() noexcept {
    thread_local recycled_blocks blocks;
    thread_local recycled_blocks_drain<Size, Alignment> drain{&blocks};
    (void)drain;  // odr-use: registers the drain at the thread's first use
    return blocks;
}

/// A std allocator whose single-object blocks are recycled per thread (for allocate_shared).
template <class T>
struct recycling_allocator {
    using value_type = T;

    recycling_allocator() noexcept = default;
    /// Rebinding (allocate_shared allocates its control block type through this).
    template <class U>
    explicit(false) recycling_allocator(const recycling_allocator<U>& /*other*/) noexcept {}

    /// n objects' storage; a single object comes from this thread's list when it has one.
    T* allocate(std::size_t n) {
        static_assert(sizeof(T) >= sizeof(recycled_blocks::node), "a recycled block holds the list's link");
        if constexpr (recycling_enabled) {
            if (n == 1) {
                auto& blocks = blocks_of<sizeof(T), alignof(T)>();
                if (auto* block = blocks.head) {
                    blocks.head = block->next;
                    --blocks.count;
                    return reinterpret_cast<T*>(block);
                }
            }
        }
        return static_cast<T*>(allocate_block<alignof(T)>(n * sizeof(T)));
    }

    /// Returns storage: a single object's block joins this thread's list while under the limit.
    void deallocate(T* pointer, std::size_t n) noexcept {
        if constexpr (recycling_enabled) {
            if (n == 1) {
                auto& blocks = blocks_of<sizeof(T), alignof(T)>();
                if (!blocks.closed && (blocks.count + 1) * sizeof(T) <= object_recycling_limit()) {
                    blocks.head = ::new (static_cast<void*>(pointer)) recycled_blocks::node{blocks.head};
                    ++blocks.count;
                    return;
                }
            }
        }
        free_block<alignof(T)>(pointer);
    }

    /// Every recycling_allocator can free what another allocated.
    template <class U>
    friend bool operator==(const recycling_allocator& /*left*/, const recycling_allocator<U>& /*right*/) noexcept {
        return true;
    }
};

}  // namespace detail
}  // namespace strata
