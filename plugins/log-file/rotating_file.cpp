#include "rotating_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace warren::log_file {
namespace {

std::error_code last_error() { return {errno, std::system_category()}; }

}  // namespace

std::error_code rotating_file::open() {
    close();
    // O_RDWR only to read the last byte back: appends go through O_APPEND.
    const int fd = ::open(settings_.path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return last_error();
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        const auto ec = last_error();
        ::close(fd);
        return ec;
    }
    fd_ = fd;
    size_ = static_cast<std::uint64_t>(st.st_size);
    char last = '\n';
    if (size_ > 0 && ::pread(fd_, &last, 1, st.st_size - 1) == 1 && last != '\n') pending_ = "\n";
    return {};
}

void rotating_file::close() noexcept {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    pending_.clear();
}

std::error_code rotating_file::add(std::string_view line) {
    const std::uint64_t used = size_ + pending_.size();
    if (settings_.max_bytes > 0 && used > 0 && used + line.size() > settings_.max_bytes) {
        if (auto ec = commit()) return ec;
        if (auto ec = rotate()) return ec;
    }
    pending_.append(line);
    return {};
}

std::error_code rotating_file::commit() {
    std::string_view rest = pending_;
    while (!rest.empty()) {
        const ssize_t n = ::write(fd_, rest.data(), rest.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return last_error();
        rest.remove_prefix(static_cast<std::size_t>(n));
        size_ += static_cast<std::uint64_t>(n);
    }
    pending_.clear();
    if (settings_.fsync && ::fsync(fd_) != 0) return last_error();
    return {};
}

std::filesystem::path rotating_file::numbered(unsigned n) const {
    std::filesystem::path p = settings_.path;
    p += "." + std::to_string(n);
    return p;
}

std::error_code rotating_file::rotate() {
    std::error_code ec;
    std::filesystem::remove(numbered(settings_.max_files), ec);
    if (ec) return ec;
    for (unsigned n = settings_.max_files; n > 1; --n) {
        std::filesystem::rename(numbered(n - 1), numbered(n), ec);
        if (ec && ec != std::errc::no_such_file_or_directory) return ec;
    }
    std::filesystem::rename(settings_.path, numbered(1), ec);
    if (ec) return ec;
    return open();
}

}  // namespace warren::log_file
