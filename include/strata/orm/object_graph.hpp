// strata/orm/object_graph.hpp - the objects of a session and their loaded relationships as a graph,
// for breaking reference cycles when a session ends.
#pragma once

#include <algorithm>
#include <unordered_map>
#include <vector>

namespace strata::orm {

/// The objects of a session and their loaded relationships, as a graph: how the session finds,
/// at its end, the objects no handle outside it can reach, and breaks the reference cycles among
/// them (author.books <-> book.writer) that shared ownership alone would never free.
struct object_graph {
    struct node {
        long use_count = 0;                  ///< owners of the state (0: not tracked by this session)
        long internal = 0;                   ///< owners inside the session: its lists and other objects' relationships
        bool reachable = false;              ///< held, directly or through relationships, from outside
        std::vector<const void*> edges;      ///< loaded relationship targets
        const void* first_holder = nullptr;  ///< an object whose loaded collection holds this one
        std::vector<const void*> other_holders;  ///< more such objects (rare: many-to-many)
    };
    std::unordered_map<const void*, node> nodes;

    /// Records that `parent`'s loaded collection holds `child` (one parent needs no allocation).
    static void add_holder(node& child, const void* parent) {
        if (child.first_holder == nullptr)
            child.first_holder = parent;
        else
            child.other_holders.push_back(parent);
    }
    /// Marks every object reachable from one held outside the session.
    void mark_reachable() {
        std::vector<const void*> pending;
        for (auto& [id, item] : nodes) {
            if (item.use_count > item.internal) {
                item.reachable = true;
                pending.push_back(id);
            }
        }
        while (!pending.empty()) {
            const auto* id = pending.back();
            pending.pop_back();
            for (const auto* target : nodes[id].edges) {
                auto& next = nodes[target];
                if (next.reachable) continue;
                next.reachable = true;
                pending.push_back(target);
            }
        }
    }
    /// Whether `child` is in one of `parent`'s loaded collections.
    [[nodiscard]] bool holds_child(const void* parent, const void* child) const {
        const auto found = nodes.find(child);  // a child's holders are few (usually one parent)
        if (found == nodes.end()) return false;
        const auto& holders = found->second.other_holders;
        return found->second.first_holder == parent ||
               std::find(holders.begin(), holders.end(), parent) != holders.end();
    }
    /// Whether the object is unreachable from outside (its relationships may be dropped).
    [[nodiscard]] bool is_garbage(const void* id) const {
        const auto found = nodes.find(id);
        return found != nodes.end() && !found->second.reachable;
    }
};

}  // namespace strata::orm
