#include "db/SqlShell.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <Poco/Data/SQLite/Utility.h>

#include <sqlite3.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <memory>
#include <sstream>

#include "db/Database.h"
#include "util/ApiError.h"

using Poco::Data::RecordSet;
using Poco::Data::Statement;
using namespace Poco::Data::Keywords;

namespace lxdp::db {

namespace {

std::string cell(RecordSet& rs, size_t col) {
    auto v = rs.value(col);
    return v.isEmpty() ? "" : v.convert<std::string>();
}

std::string sqlQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
    return out + "'";
}

// Schema statements, then with dump the rows as INSERTs, in sqlite3's .dump spirit.
std::string schemaText(Poco::Data::Session& s, bool withRows) {
    Statement st(s);
    st << "SELECT name, sql FROM sqlite_master WHERE sql IS NOT NULL AND name NOT LIKE 'sqlite_%' ORDER BY rowid", now;
    RecordSet tables(st);
    std::ostringstream out;
    if (withRows) out << "BEGIN TRANSACTION;\n";
    for (bool more = tables.moveFirst(); more; more = tables.moveNext()) {
        std::string name = cell(tables, 0);
        out << cell(tables, 1) << ";\n";
        if (!withRows) continue;
        Statement rows(s);
        rows << "SELECT * FROM \"" + name + "\"", now;
        RecordSet rs(rows);
        for (bool r = rs.moveFirst(); r; r = rs.moveNext()) {
            out << "INSERT INTO " << name << " VALUES(";
            for (size_t c = 0; c < rs.columnCount(); ++c) {
                if (c) out << ",";
                auto v = rs.value(c);
                if (v.isEmpty()) out << "NULL";
                else if (v.isNumeric()) out << v.convert<std::string>();
                else out << sqlQuote(v.convert<std::string>());
            }
            out << ");\n";
        }
    }
    if (withRows) out << "COMMIT;\n";
    return out.str();
}

}  // namespace

namespace {

// Runs every statement of text on the session's connection, in order, inside the caller's
// transaction, through SQLite's own parser: a ';' in a string literal or a trigger body does
// not split a statement. onRow, when given, receives each statement's result.
void forEachStatement(Poco::Data::Session& s, const std::string& text,
                      const std::function<void(sqlite3_stmt*)>& onResult) {
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(s);
    const char* next = text.c_str();
    while (*next != '\0') {
        sqlite3_stmt* st = nullptr;
        const char* tail = nullptr;
        if (sqlite3_prepare_v2(handle, next, -1, &st, &tail) != SQLITE_OK)
            throw std::runtime_error(sqlite3_errmsg(handle));
        next = tail;
        if (st == nullptr) continue;  // blanks or a comment
        std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(st, &sqlite3_finalize);
        onResult(st);
    }
}

// Steps a statement to its end: its rows as text, or the rows it changed.
nlohmann::json resultOf(sqlite3* handle, sqlite3_stmt* st) {
    const int columns = sqlite3_column_count(st);
    nlohmann::json names = nlohmann::json::array(), rows = nlohmann::json::array();
    for (int c = 0; c < columns; ++c) names.push_back(sqlite3_column_name(st, c));
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        nlohmann::json row = nlohmann::json::array();
        for (int c = 0; c < columns; ++c) {
            const auto* v = sqlite3_column_text(st, c);
            row.push_back(v != nullptr ? reinterpret_cast<const char*>(v) : "");
        }
        rows.push_back(row);
    }
    if (rc != SQLITE_DONE) throw std::runtime_error(sqlite3_errmsg(handle));
    if (columns == 0) return {{"type", "exec"}, {"rows_affected", sqlite3_changes(handle)}};
    return {{"type", "select"}, {"columns", names}, {"rows", rows}};
}

}  // namespace

nlohmann::json runSql(Database& db, const std::string& query) {
    if (query == ".dump" || query == ".schema") {
        return db.withSession([&](Poco::Data::Session& s) {
            return nlohmann::json{{"type", "dump"}, {"text", schemaText(s, query == ".dump")}};
        });
    }
    if (query == ".sync") {
        // Upstream writes the cluster database to disk; here that is a WAL checkpoint.
        db.withSession([](Poco::Data::Session& s) {
            s << "PRAGMA wal_checkpoint(TRUNCATE)", now;
            return 0;
        });
        return {{"type", "batch"}, {"results", nlohmann::json::array()}};
    }
    nlohmann::json results = nlohmann::json::array();
    try {
        // A batch is all or nothing, as upstream runs it in one transaction.
        db.transaction([&] {
            db.withSession([&](Poco::Data::Session& s) {
                sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(s);
                forEachStatement(s, query, [&](sqlite3_stmt* st) { results.push_back(resultOf(handle, st)); });
                return 0;
            });
        });
        db.forgetCachedReads();  // the batch may have written any table
    } catch (const std::exception& e) {
        std::string what = e.what();
        if (auto* poco = dynamic_cast<const Poco::Exception*>(&e)) what = poco->displayText();
        throw BadRequest("Failed to execute query: " + what);
    }
    if (results.empty()) throw BadRequest("No query given");
    return {{"type", "batch"}, {"results", results}};
}

std::vector<std::string> applyPatchFiles(Database& db, const std::vector<std::string>& paths) {
    std::vector<std::pair<std::string, std::string>> patches;  // path, text
    for (const auto& path : paths) {
        std::ifstream in(path);
        if (!in) continue;
        std::stringstream text;
        text << in.rdbuf();
        if (in.bad()) throw std::runtime_error("Failed to read " + path);
        patches.emplace_back(path, text.str());
    }
    if (patches.empty()) return {};
    std::string current;
    try {
        db.transaction([&] {
            db.withSession([&](Poco::Data::Session& s) {
                for (const auto& [path, text] : patches) {
                    current = path;
                    forEachStatement(s, text, [&](sqlite3_stmt* st) {
                        resultOf(Poco::Data::SQLite::Utility::dbHandle(s), st);
                    });
                }
                return 0;
            });
        });
    } catch (const std::exception& e) {
        std::string what = e.what();
        if (auto* poco = dynamic_cast<const Poco::Exception*>(&e)) what = poco->displayText();
        throw std::runtime_error("Failed to apply " + current + " (nothing was changed; fix or remove the file): " + what);
    }
    db.forgetCachedReads();
    std::vector<std::string> applied;
    for (const auto& [path, text] : patches) {
        if (::unlink(path.c_str()) != 0)
            throw std::runtime_error("Applied " + path + " but cannot remove it: " + std::strerror(errno));
        applied.push_back(path);
    }
    return applied;
}

}  // namespace lxdp::db
