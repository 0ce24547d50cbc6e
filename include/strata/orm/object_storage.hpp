// strata/orm/object_storage.hpp - where an object's state lives: one heap block holding the
// shared_ptr control block and the object_state<T>, allocated through a block type that depends
// only on the state's size class, not on T.
//
// Why: std::allocate_shared<object_state<T>> instantiates a control block class per model, with
// its virtual members (dispose, destroy, get_deleter), its vtable and type information: about
// 600 bytes of object code and six functions in every translation unit that creates objects of
// T. Models of about the same size share object_block's control block here; what stays per model
// is constructing and destroying its state, which object_block reaches through a function pointer.
#pragma once

#include <cstddef>
#include <memory>
#include <new>

#include "strata/detail/recycling_allocator.hpp"
#include "strata/orm/object_state.hpp"

namespace strata::orm {

/// Constructs a model's state in `storage` and returns its bookkeeping (may throw: T's constructor).
using construct_state = tracked_object* (*)(void* storage);
/// Destroys the model's state that construct_state made in `storage`.
using destroy_state = void (*)(void* storage) noexcept;

/// Storage for any model's state of at most Capacity bytes, with the step that destroys it.
template <std::size_t Capacity, std::size_t Alignment>
struct object_block {
    destroy_state destroy = nullptr;  ///< set once a state is constructed in storage
    alignas(Alignment) std::byte storage[Capacity];

    // A user-provided constructor: value-initialisation would zero the storage before the state's
    // own initialisation writes it again.
    object_block() noexcept {}
    object_block(const object_block&) = delete;
    object_block& operator=(const object_block&) = delete;
    ~object_block() {
        if (destroy != nullptr) destroy(storage);
    }

    /// A new block holding the state `construct` makes. Not inlined: one copy per size class,
    /// not one inside every model's create().
    /// `linked`: the state is a linked_object, whose self handle is set to the new block.
    __attribute__((noinline)) static tracked_pointer make(construct_state construct, destroy_state destroy_step,
                                                          bool linked) {
        auto block = std::allocate_shared<object_block>(strata::detail::recycling_allocator<object_block>{});
        tracked_object* state = construct(block->storage);
        block->destroy = destroy_step;
        tracked_pointer created{std::move(block), state};
        if (linked) static_cast<linked_object*>(state)->self = created;
        return created;
    }
};

/// The size class of a state of `bytes`: states within 32 bytes of each other share a block type.
constexpr std::size_t object_size_class(std::size_t bytes) noexcept { return (bytes + 31) / 32 * 32; }

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
