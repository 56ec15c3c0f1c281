// An error that reaches the client as the LXD error envelope with this HTTP status.
#pragma once

#include <stdexcept>
#include <string>

namespace lxdp {

class ApiError : public std::runtime_error {
public:
    ApiError(int status, const std::string& message) : std::runtime_error(message), status_(status) {}
    int status() const noexcept { return status_; }

private:
    int status_;
};

inline ApiError BadRequest(const std::string& message) { return ApiError(400, message); }
inline ApiError Forbidden(const std::string& message) { return ApiError(403, message); }
inline ApiError NotFound(const std::string& message) { return ApiError(404, message); }
inline ApiError Conflict(const std::string& message) { return ApiError(409, message); }
inline ApiError PreconditionFailed(const std::string& message) { return ApiError(412, message); }
inline ApiError InternalError(const std::string& message) { return ApiError(500, message); }

}  // namespace lxdp
