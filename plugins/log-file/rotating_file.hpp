#pragma once
// An append-only file of lines that rotates by size: when the next line
// would take `path` past max_bytes, path.N-1 becomes path.N (the oldest,
// path.N, is deleted), ..., path becomes path.1, and a new path is started.
// Lines are collected with add() and written by commit(), so a batch of
// records costs one write() (and one fsync() when asked) between rotations.
//
// Errors are returned, never thrown; after one the caller closes the file and
// opens it again later. A line cut short by a failed write (or a crash) is
// ended on the next open, so every later line starts on a line of its own.
//
// Threading: not thread-safe; one sink thread owns it.
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace warren::log_file {

class rotating_file {
public:
    struct settings {
        std::filesystem::path path;
        std::uint64_t max_bytes = 0;  // 0: never rotate
        unsigned max_files = 1;       // rotated files kept: path.1 ... path.max_files
        bool fsync = false;           // fsync() after every commit
    };

    explicit rotating_file(settings s) : settings_(std::move(s)) {}
    ~rotating_file() { close(); }
    rotating_file(const rotating_file&) = delete;
    rotating_file& operator=(const rotating_file&) = delete;

    const std::filesystem::path& path() const noexcept { return settings_.path; }
    bool is_open() const noexcept { return fd_ >= 0; }

    // Opens (or creates) path for appending.
    std::error_code open();
    // Drops what was added but not committed.
    void close() noexcept;

    // Adds one line, which ends in '\n'. Rotates first (committing what came
    // before) when the line would not fit; a line longer than max_bytes gets
    // a file of its own.
    std::error_code add(std::string_view line);
    // Writes what was added.
    std::error_code commit();

private:
    std::error_code rotate();
    std::filesystem::path numbered(unsigned n) const;

    const settings settings_;
    int fd_ = -1;
    std::uint64_t size_ = 0;  // of the file on disk
    std::string pending_;     // added, not yet written
};

}  // namespace warren::log_file
