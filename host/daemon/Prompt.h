// Questions on the terminal for the interactive subcommands (`lxd init`, `lxd recover`), with
// upstream's rules (shared/cmd/ask.go): the question is printed as given, an empty answer takes
// the default, an invalid one is refused on stderr and asked again. Answers may be piped: at the
// end of stdin a question takes its default if that is a valid answer, else it is an error
// (std::runtime_error) rather than a question asked forever.
#pragma once

#include <functional>
#include <string>

namespace lxdp::daemon {

// "yes"/"y" or "no"/"n", in any case.
bool askBool(const std::string& question, const std::string& defaultAnswer);

// check returns why an answer is invalid, or "" to accept it; without check, any non-empty
// answer is accepted.
std::string askString(const std::string& question, const std::string& defaultAnswer,
                      const std::function<std::string(const std::string&)>& check = {});

}  // namespace lxdp::daemon
