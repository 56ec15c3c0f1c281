// Daemon parts that act on server config keys (core.https_address moves the HTTPS listener)
// hear of a change before it is stored: a listener that throws refuses the change.
#pragma once

#include <functional>
#include <vector>

#include "db/Records.h"

namespace lxdp::daemon {

class ServerConfigListeners {
public:
    using Listener = std::function<void(const db::StringMap& before, const db::StringMap& after)>;

    // Registered at start-up, before the API serves.
    void add(Listener listener) { listeners_.push_back(std::move(listener)); }

    // Tells every listener; when one throws, the ones already told go back to before.
    void apply(const db::StringMap& before, const db::StringMap& after) const {
        for (size_t i = 0; i < listeners_.size(); ++i) {
            try {
                listeners_[i](before, after);
            } catch (...) {
                for (size_t j = 0; j < i; ++j) revertQuietly(j, after, before);
                throw;
            }
        }
    }

    // After the store failed: back to the old values, as far as possible.
    void revert(const db::StringMap& after, const db::StringMap& before) const {
        for (size_t i = 0; i < listeners_.size(); ++i) revertQuietly(i, after, before);
    }

private:
    // A listener that cannot go back has logged why; the others must still be told.
    void revertQuietly(size_t i, const db::StringMap& from, const db::StringMap& to) const {
        try {
            listeners_[i](from, to);
        } catch (...) {
        }
    }

    std::vector<Listener> listeners_;
};

}  // namespace lxdp::daemon
