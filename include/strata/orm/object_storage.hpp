// strata/orm/object_storage.hpp - where an object's state lives: one heap block holding the
// shared_ptr control block and the object_state<T>, allocated through a block type that depends
// only on the state's size class, not on T.
//
// Why: std::allocate_shared<object_state<T>> instantiates a control block class per model, with
// its virtual members (dispose, destroy, get_deleter), its vtable and type information: about
// 600 bytes of object code and six functions in every translation unit that creates objects of
// T. Models of about the same size share object_block's control block here; what stays per model
// is constructing and destroying its state: the block constructs through a function pointer and
// destroys through the one the state's tracked_object carries.
//
// Memory: a block is no larger than allocate_shared's was for the same state (see
// object_size_class). A model whose block grew from a 176- to a 192-byte heap chunk made
// bench_hydrate_orm 15-20% slower on both of its sides (the raw one too: glibc's consolidation of
// the freed chunks), so the size classes must not add bytes where the heap would not round them.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "strata/detail/recycling_allocator.hpp"
#include "strata/orm/object_state.hpp"

namespace strata::orm {

/// Constructs a model's state in `storage` and returns its bookkeeping (may throw: T's constructor).
using construct_state = tracked_object* (*)(void* storage);

/// Storage for any model's state of at most Capacity bytes; the state's destroy step ends it.
template <std::size_t Capacity, std::size_t Alignment>
struct object_block {
    alignas(Alignment) std::byte storage[Capacity];

    /// Constructs the state in the block; when that throws, allocate_shared frees the block
    /// without running ~object_block.
    object_block(construct_state construct, destroy_state destroy) { construct(storage)->destroy = destroy; }
    object_block(const object_block&) = delete;
    object_block& operator=(const object_block&) = delete;
    ~object_block() {
        // tracked_object is the state's first base: it starts the storage.
        auto* state = std::launder(reinterpret_cast<tracked_object*>(storage));
        state->destroy(storage);
    }

    /// A new block holding the state `construct` makes; `linked`: the state is a linked_object,
    /// whose self handle is set to the new block. Not inlined: one copy per size class, not one
    /// inside every model's create().
    __attribute__((noinline)) static tracked_pointer make(construct_state construct, destroy_state destroy,
                                                          bool linked) {
        auto block =
            std::allocate_shared<object_block>(strata::detail::recycling_allocator<object_block>{}, construct, destroy);
        auto* state = std::launder(reinterpret_cast<tracked_object*>(block->storage));
        tracked_pointer created{std::move(block), state};
        if (linked) static_cast<linked_object*>(state)->self = created;
        return created;
    }
};

/// The storage size class of a state of `bytes`: with libstdc++'s 16-byte control block header
/// and glibc's 8-byte chunk header on 16-byte steps, a block of 16k + 8 bytes fills its heap chunk
/// exactly. So states within 16 bytes of each other share a block type, and each block takes the
/// heap chunk allocate_shared<State> would have.
constexpr std::size_t object_size_class(std::size_t bytes) noexcept { return (bytes + 7) / 16 * 16 + 8; }

/// The block type that holds State.
template <class State>
using object_block_for = object_block<object_size_class(sizeof(State)), alignof(State)>;

/// Where a model's state lives and how it is made and destroyed (mapper.hpp's row_loading_for<T>
/// creates through it).
template <class T>
struct object_storage {
    /// A new, untracked object of T whose state has its default values.
    static tracked_pointer create() {
        return object_block_for<object_state<T>>::make(&construct, &destroy, declares_relationships<T>);
    }

private:
    static tracked_object* construct(void* storage) { return ::new (storage) object_state<T>{}; }
    static void destroy(void* storage) noexcept {
        std::launder(static_cast<object_state<T>*>(storage))->~object_state();
    }
};

}  // namespace strata::orm
