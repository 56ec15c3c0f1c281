// Test helpers for the image tests: temporary directories and tarballs written with libarchive,
// so members with any owner, type or (hostile) name can be produced.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "util/ApiError.h"

namespace imagetest {

struct Member {
    std::string name;
    unsigned type = AE_IFREG;  // AE_IFREG, AE_IFDIR, AE_IFLNK, AE_IFCHR, ...
    unsigned perm = 0644;
    std::string data{};      // regular files
    std::string symlink{};   // AE_IFLNK target
    std::string hardlink{};  // makes the member a hardlink to this earlier member
    int64_t uid = 0, gid = 0;
    unsigned devMajor = 0, devMinor = 0;
};

inline Member file(const std::string& name, const std::string& data, unsigned perm = 0644) {
    return Member{.name = name, .perm = perm, .data = data};
}
inline Member dir(const std::string& name, unsigned perm = 0755) {
    return Member{.name = name, .type = AE_IFDIR, .perm = perm};
}
inline Member symlinkTo(const std::string& name, const std::string& target) {
    return Member{.name = name, .type = AE_IFLNK, .perm = 0777, .symlink = target};
}

inline void writeTar(const std::string& path, const std::vector<Member>& members,
                     const std::string& compression = "gzip") {
    archive* a = archive_write_new();
    archive_write_set_format_pax_restricted(a);
    if (compression != "none") {
        ASSERT_EQ(archive_write_add_filter_by_name(a, compression.c_str()), ARCHIVE_OK);
    }
    ASSERT_EQ(archive_write_open_filename(a, path.c_str()), ARCHIVE_OK) << archive_error_string(a);
    for (const Member& m : members) {
        archive_entry* e = archive_entry_new();
        archive_entry_set_pathname(e, m.name.c_str());
        archive_entry_set_filetype(e, m.type);
        archive_entry_set_perm(e, m.perm);
        archive_entry_set_uid(e, m.uid);
        archive_entry_set_gid(e, m.gid);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (m.type == AE_IFLNK) archive_entry_set_symlink(e, m.symlink.c_str());
        if (m.type == AE_IFCHR || m.type == AE_IFBLK) {
            archive_entry_set_rdevmajor(e, m.devMajor);
            archive_entry_set_rdevminor(e, m.devMinor);
        }
        if (!m.hardlink.empty()) archive_entry_set_hardlink(e, m.hardlink.c_str());
        archive_entry_set_size(e, m.type == AE_IFREG && m.hardlink.empty() ? m.data.size() : 0);
        ASSERT_GE(archive_write_header(a, e), ARCHIVE_WARN) << archive_error_string(a);
        if (m.type == AE_IFREG && !m.data.empty()) archive_write_data(a, m.data.data(), m.data.size());
        archive_entry_free(e);
    }
    ASSERT_EQ(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

inline const std::string kMetadata =
    "architecture: x86_64\n"
    "creation_date: 1424284563\n"
    "properties:\n"
    "  os: Ubuntu\n"
    "templates:\n"
    "  /etc/hosts:\n"
    "    when: [create, rename]\n"
    "    template: hosts.tpl\n"
    "    create_only: true\n"
    "    properties:\n"
    "      foo: bar\n";

inline std::string slurp(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// A fresh directory under /tmp, removed with its content after the test.
class TempDirTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string tmpl = (std::filesystem::temp_directory_path() / "lxdp-img-XXXXXX").string();
        ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
        tmp = tmpl;
        dest = tmp / "dest";
        std::filesystem::create_directory(dest);
    }
    void TearDown() override { std::filesystem::remove_all(tmp); }
    std::string path(const std::string& name) const { return (tmp / name).string(); }

    std::filesystem::path tmp;
    std::filesystem::path dest;
};

}  // namespace imagetest

// The statement throws lxdp::ApiError with this status and a message containing `fragment`.
#define EXPECT_API_ERROR(statement, code, fragment)                                         \
    do {                                                                                    \
        try {                                                                               \
            statement;                                                                      \
            ADD_FAILURE() << #statement " did not throw";                                   \
        } catch (const lxdp::ApiError& e) {                                                 \
            EXPECT_EQ(e.status(), code);                                                    \
            EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)              \
                << "message \"" << e.what() << "\" lacks \"" << (fragment) << "\"";         \
        }                                                                                   \
    } while (0)
