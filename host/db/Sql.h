// Statement helpers shared by the files of host/db: binding, reading RecordSet columns, and the
// JSON text columns that hold maps and lists. Only host/db includes this.
#pragma once

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Statement.h>

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "db/Database.h"
#include "db/Records.h"

namespace lxdp::db::sql {

inline std::string toJson(const StringMap& m) { return nlohmann::json(m).dump(); }
inline std::string toJson(const DeviceMap& m) { return nlohmann::json(m).dump(); }
inline std::string toJson(const std::vector<std::string>& v) { return nlohmann::json(v).dump(); }

template <class T>
T fromJson(const std::string& text) {
    if (text.empty()) return T{};
    return nlohmann::json::parse(text).get<T>();
}

inline std::string str(Poco::Data::RecordSet& rs, const std::string& column) {
    auto v = rs[column];
    return v.isEmpty() ? std::string() : v.convert<std::string>();
}

inline int64_t num(Poco::Data::RecordSet& rs, const std::string& column) {
    auto v = rs[column];
    return v.isEmpty() ? 0 : v.convert<int64_t>();
}

// Binds every argument by value, so temporaries are safe.
template <class... Args>
void bindAll(Poco::Data::Statement& st, const Args&... args) {
    (st.addBind(Poco::Data::Keywords::bind(args)), ...);
}

// Runs one statement that returns nothing.
template <class... Args>
void execute(Database& db, const std::string& sql, const Args&... args) {
    db.withSession([&](Poco::Data::Session& s) {
        Poco::Data::Statement st(s);
        st << sql;
        bindAll(st, args...);
        st.execute();
    });
}

// A storage_volumes row (Database.cpp and VolumeQueries.cpp both read them); defined in VolumeQueries.cpp.
VolumeRecord volumeFrom(Poco::Data::RecordSet& rs);

}  // namespace lxdp::db::sql
