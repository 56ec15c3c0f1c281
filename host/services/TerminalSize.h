// The size of a terminal that a websocket session (exec, console) pumps, as the client asks it.
#pragma once

namespace lxdp::services {

// Sets the window of the terminal behind fd (a pty master); 0 or less is the 80x24 default, as a
// client that sent no size gets from upstream.
void resizeTerminal(int fd, int width, int height);

}  // namespace lxdp::services
