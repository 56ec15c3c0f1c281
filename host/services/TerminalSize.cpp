#include "services/TerminalSize.h"

#include <sys/ioctl.h>

namespace lxdp::services {

void resizeTerminal(int fd, int width, int height) {
    struct winsize size {};
    size.ws_col = static_cast<unsigned short>(width > 0 ? width : 80);
    size.ws_row = static_cast<unsigned short>(height > 0 ? height : 24);
    ::ioctl(fd, TIOCSWINSZ, &size);
}

}  // namespace lxdp::services
