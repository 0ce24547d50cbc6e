// strata/detail/flat_map.hpp - an open-addressing hash map for identity maps.
//
// Entries live densely in one vector in insertion order; the hash table holds a 32-bit entry
// index and 32 bits of the key's hash per slot (linear probing, backward-shift deletion, no
// tombstones). A probe compares the hash bits first, so a lookup touches the small slot table
// and, almost always, only the one entry it wants; iteration walks the entries in the order the rows were loaded,
// which is the order they were allocated in - so a flush's scan and a session's end read and free
// memory front to back instead of in hash order (freeing 100,000 objects in hash order cost more
// than loading them: glibc's free coalesces neighbours it finds in random order).
//
// Integer keys start in key order: a hash offering `ordered_index(key)` has its slot chosen by the
// key's own low bits, so rows loaded by ascending id fill the slot table front to back, and
// loading or growing touches it sequentially instead of missing the cache once per row (a
// table of 100,000 ids is 2 MB; perf showed those misses as 8% of hydrating objects). Keys
// that do not spread that way (ids far apart that share low bits, or erasures inside a long
// run) show up as a long probe; the first probe longer than `longest_ordered_probe` rebuilds the
// table with the mixed hash for good, so the worst case stays that of ordinary hashing.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "strata/core/error.hpp"

namespace strata::detail {

/// A hash map with entries stored densely in insertion order (erase moves the last entry into the hole).
template <class Key, class Value, class Hash>
class flat_map {
public:
    /// Number of entries.
    [[nodiscard]] std::size_t size() const noexcept { return entries_.size(); }
    /// The value for `key`, or nullptr.
    [[nodiscard]] Value* find(const Key& key) noexcept {
        if (slots_.empty()) return nullptr;
        const auto found = probe(key);
        return found.present ? &entries_[entry_of(slots_[found.index])].second : nullptr;
    }
    /// Inserts `key` with a default value unless present; returns the value (valid until the next
    /// insertion or erase) and whether it was inserted.
    std::pair<Value*, bool> try_emplace(Key key) {
        if ((entries_.size() + 1) * 4 > slots_.size() * 3) grow(slots_.empty() ? 16 : slots_.size() * 2);
        const auto found = probe(key);
        if (found.present) return {&entries_[entry_of(slots_[found.index])].second, false};
        if (entries_.size() >= max_entries) throw usage_error("an identity map holds at most 2^32 - 1 objects");
        slots_[found.index] = make_slot(found.hash, entries_.size());
        entries_.emplace_back(std::move(key), Value{});
        return {&entries_.back().second, true};
    }
    /// Removes `key` if present.
    void erase(const Key& key) {
        erase_if(key, [](const Value&) { return true; });
    }
    /// Removes `key` if present and remove(value) says so, in one probe; returns whether it did.
    template <class Predicate>
    bool erase_if(const Key& key, Predicate&& remove) {
        if (slots_.empty()) return false;
        auto found = probe(key);
        if (!found.present || !remove(entries_[entry_of(slots_[found.index])].second)) return false;
        if (!scrambled_ && run_after(found.index) >= longest_ordered_probe) {
            // Backward shifting would walk the whole run (ids loaded in order, erased in order:
            // what streaming does); mixed hashing keeps runs short.
            scramble();
            found = probe(key);
        }
        const std::size_t index = found.index;
        const auto removed = entry_of(slots_[index]);
        remove_slot(index);
        const std::size_t last = entries_.size() - 1;
        if (removed != last) {
            // The last entry fills the hole; its slot is re-pointed.
            const std::size_t moved_hash = hash_of(entries_[last].first);
            std::size_t moved = moved_hash & mask_;
            while (entry_of(slots_[moved]) != last) moved = (moved + 1) & mask_;
            slots_[moved] = make_slot(moved_hash, removed);
            entries_[removed] = std::move(entries_[last]);
        }
        entries_.pop_back();
        return true;
    }
    /// Calls f(key, value) for every entry, in insertion order (erase changes it).
    template <class Function>
    void for_each(Function&& function) {
        for (auto& [key, value] : entries_) function(static_cast<const Key&>(key), value);
    }
    /// Makes room for `count` entries without rehashing.
    void reserve(std::size_t count) {
        entries_.reserve(count);
        std::size_t capacity = slots_.empty() ? 16 : slots_.size();
        while (count * 4 > capacity * 3) capacity *= 2;
        if (capacity > slots_.size()) grow(capacity);
    }
    /// Removes every entry (destroying them front to back).
    void clear() noexcept {
        entries_.clear();
        slots_.clear();
        mask_ = 0;
        scrambled_ = false;
    }
    /// Whether the table switched from key order to mixed hashing (a long probe was seen).
    [[nodiscard]] bool scrambled() const noexcept { return scrambled_; }

private:
    // A slot: the high 32 bits of the key's hash above the entry's index; all ones when empty.
    static constexpr std::uint64_t empty = std::numeric_limits<std::uint64_t>::max();
    static constexpr std::size_t max_entries = std::numeric_limits<std::uint32_t>::max();
    static constexpr std::size_t longest_ordered_probe = 32;
    static constexpr bool orderable = requires(const Key& key) {
        { Hash::ordered_index(key) } -> std::convertible_to<std::uint64_t>;
    };

    /// The slot hash: the key's own low bits under the mixed hash's tag while in key order.
    [[nodiscard]] std::size_t hash_of(const Key& key) const noexcept {
        const std::size_t hash = Hash{}(key);
        if constexpr (orderable) {
            if (!scrambled_)
                return (hash & ~std::size_t{0xFFFF'FFFF}) | static_cast<std::uint32_t>(Hash::ordered_index(key));
        }
        return hash;
    }
    /// Where a probe for a key ended: its slot (present) or the empty slot it would take.
    struct probe_result {
        std::size_t index;
        std::size_t hash;
        bool present;
    };
    /// Walks the key's probe sequence (the one walk find, try_emplace and erase share). In key
    /// order, a walk longer than longest_ordered_probe leaves key order and walks again.
    [[nodiscard]] probe_result probe(const Key& key) noexcept {
        for (;;) {
            const std::size_t hash = hash_of(key);
            std::size_t index = hash & mask_;
            for (std::size_t probes = 0;; ++probes, index = (index + 1) & mask_) {
                if (probes == longest_ordered_probe && !scrambled_) break;
                const auto slot = slots_[index];
                if (slot == empty) return {index, hash, false};
                if (tag_of(slot) == tag(hash) && entries_[entry_of(slot)].first == key) return {index, hash, true};
            }
            scramble();
        }
    }
    /// Number of occupied slots after `index` up to the next empty one.
    [[nodiscard]] std::size_t run_after(std::size_t index) const noexcept {
        std::size_t length = 0;
        for (std::size_t next = (index + 1) & mask_; slots_[next] != empty && length < longest_ordered_probe;
             next = (next + 1) & mask_)
            ++length;
        return length;
    }
    /// Leaves key order for the mixed hash (rebuilding the slots), for the rest of the map's life.
    /// Cannot throw: the slot table keeps its size, so assign() does not allocate.
    void scramble() noexcept {
        scrambled_ = true;
        grow(slots_.size());
    }
    static std::uint32_t tag(std::size_t hash) noexcept { return static_cast<std::uint32_t>(hash >> 32); }
    static std::uint32_t tag_of(std::uint64_t slot) noexcept { return static_cast<std::uint32_t>(slot >> 32); }
    static std::size_t entry_of(std::uint64_t slot) noexcept { return static_cast<std::uint32_t>(slot); }
    static std::uint64_t make_slot(std::size_t hash, std::size_t entry) noexcept {
        return static_cast<std::uint64_t>(tag(hash)) << 32 | static_cast<std::uint32_t>(entry);
    }

    /// Empties slot `index`, moving later entries of its cluster back when that shortens their probe.
    void remove_slot(std::size_t index) noexcept {
        slots_[index] = empty;
        for (std::size_t next = (index + 1) & mask_; slots_[next] != empty; next = (next + 1) & mask_) {
            const std::size_t home = hash_of(entries_[entry_of(slots_[next])].first) & mask_;
            const bool movable = ((next - home) & mask_) >= ((next - index) & mask_);
            if (!movable) continue;
            slots_[index] = slots_[next];
            slots_[next] = empty;
            index = next;
        }
    }

    void grow(std::size_t capacity) {
        slots_.assign(capacity, empty);
        mask_ = capacity - 1;
        for (std::size_t entry = 0; entry < entries_.size(); ++entry) {
            const std::size_t hash = hash_of(entries_[entry].first);
            std::size_t index = hash & mask_;
            std::size_t probes = 0;
            while (slots_[index] != empty) {
                index = (index + 1) & mask_;
                if (++probes == longest_ordered_probe && !scrambled_) {
                    scrambled_ = true;
                    grow(capacity);
                    return;
                }
            }
            slots_[index] = make_slot(hash, entry);
        }
    }

    std::vector<std::pair<Key, Value>> entries_;
    std::vector<std::uint64_t> slots_;
    std::size_t mask_ = 0;
    bool scrambled_ = false;
};

}  // namespace strata::detail
