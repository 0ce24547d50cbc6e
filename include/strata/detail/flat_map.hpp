// strata/detail/flat_map.hpp - an open-addressing hash map for identity maps.
//
// Linear probing over one contiguous array with backward-shift deletion (no tombstones): a
// lookup touches one or two cache lines, where std::unordered_map chases a node per entry. The
// identity map does a lookup per loaded row, so this is on the hydration hot path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace strata::detail {

/// A hash map with keys and values stored inline; iteration order is unspecified.
template <class Key, class Value, class Hash>
class flat_map {
public:
    /// Number of entries.
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// The value for `key`, or nullptr.
    [[nodiscard]] Value* find(const Key& key) noexcept {
        if (slots_.empty()) return nullptr;
        for (std::size_t index = Hash{}(key) & mask_;; index = (index + 1) & mask_) {
            auto& slot = slots_[index];
            if (!slot) return nullptr;
            if (slot->first == key) return &slot->second;
        }
    }
    /// Inserts `key` with a default value unless present; returns the value and whether it was inserted.
    std::pair<Value*, bool> try_emplace(Key key) {
        if ((size_ + 1) * 4 > slots_.size() * 3) grow();
        for (std::size_t index = Hash{}(key) & mask_;; index = (index + 1) & mask_) {
            auto& slot = slots_[index];
            if (!slot) {
                slot.emplace(std::move(key), Value{});
                ++size_;
                return {&slot->second, true};
            }
            if (slot->first == key) return {&slot->second, false};
        }
    }
    /// Removes `key` if present.
    void erase(const Key& key) {
        if (slots_.empty()) return;
        std::size_t index = Hash{}(key) & mask_;
        for (;; index = (index + 1) & mask_) {
            if (!slots_[index]) return;
            if (slots_[index]->first == key) break;
        }
        slots_[index].reset();
        --size_;
        // Backward shift: move later entries of the cluster into the hole when that shortens their probe.
        for (std::size_t next = (index + 1) & mask_; slots_[next]; next = (next + 1) & mask_) {
            const std::size_t home = Hash{}(slots_[next]->first) & mask_;
            const bool movable = ((next - home) & mask_) >= ((next - index) & mask_);
            if (!movable) continue;
            slots_[index] = std::move(slots_[next]);
            slots_[next].reset();
            index = next;
        }
    }
    /// Calls f(key, value) for every entry.
    template <class Function>
    void for_each(Function&& function) {
        for (auto& slot : slots_)
            if (slot) function(slot->first, slot->second);
    }
    /// Removes every entry.
    void clear() noexcept {
        slots_.clear();
        size_ = 0;
        mask_ = 0;
    }

private:
    void grow() {
        std::vector<std::optional<std::pair<Key, Value>>> old = std::move(slots_);
        const std::size_t capacity = old.empty() ? 16 : old.size() * 2;
        slots_.clear();
        slots_.resize(capacity);
        mask_ = capacity - 1;
        size_ = 0;
        for (auto& slot : old) {
            if (!slot) continue;
            auto [value, inserted] = try_emplace(std::move(slot->first));
            *value = std::move(slot->second);
        }
    }

    std::vector<std::optional<std::pair<Key, Value>>> slots_;
    std::size_t size_ = 0;
    std::size_t mask_ = 0;
};

}  // namespace strata::detail
