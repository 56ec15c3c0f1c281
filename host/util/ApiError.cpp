#include "util/ApiError.h"
