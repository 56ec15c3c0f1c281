#include "db/SqlShell.h"

#include <Poco/Data/RecordSet.h>
#include <Poco/Data/Session.h>
#include <Poco/Data/Statement.h>

#include <unistd.h>

#include <fstream>
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

nlohmann::json runSql(Database& db, const std::string& query) {
    if (query == ".dump" || query == ".schema") {
        return db.withSession([&](Poco::Data::Session& s) {
            return nlohmann::json{{"type", "dump"}, {"text", schemaText(s, query == ".dump")}};
        });
    }
    try {
        return db.withSession([&](Poco::Data::Session& s) {
            Statement st(s);
            st << query;
            size_t affected = st.execute();
            if (st.columnsExtracted() == 0) return nlohmann::json{{"type", "exec"}, {"rows_affected", affected}};
            RecordSet rs(st);
            nlohmann::json columns = nlohmann::json::array(), rows = nlohmann::json::array();
            for (size_t c = 0; c < rs.columnCount(); ++c) columns.push_back(rs.columnName(c));
            for (bool more = rs.moveFirst(); more; more = rs.moveNext()) {
                nlohmann::json row = nlohmann::json::array();
                for (size_t c = 0; c < rs.columnCount(); ++c) row.push_back(cell(rs, c));
                rows.push_back(row);
            }
            return nlohmann::json{{"type", "select"}, {"columns", columns}, {"rows", rows}};
        });
    } catch (const Poco::Exception& e) {
        throw BadRequest("Failed to execute query: " + e.displayText());
    }
}

bool applyPatchFile(Database& db, const std::string& path) {
    std::ifstream in(path);
    if (!in) return false;
    std::stringstream text;
    text << in.rdbuf();
    db.transaction([&] {
        db.withSession([&](Poco::Data::Session& s) {
            std::string statement;
            std::istringstream all(text.str());
            while (std::getline(all, statement, ';')) {
                if (statement.find_first_not_of(" \t\r\n") == std::string::npos) continue;
                s << statement, now;
            }
            return 0;
        });
    });
    ::unlink(path.c_str());
    return true;
}

}  // namespace lxdp::db
