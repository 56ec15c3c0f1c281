#include "daemon/Prompt.h"

#include <algorithm>
#include <cctype>
#include <iostream>
#include <stdexcept>

namespace lxdp::daemon {

namespace {

// The answer, or the default when it is empty; eof tells the caller stdin has run dry.
std::string answer(const std::string& question, const std::string& defaultAnswer, bool& eof) {
    std::cout << question << std::flush;
    std::string line;
    eof = !std::getline(std::cin, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto first = line.find_first_not_of(" \t");
    line = first == std::string::npos ? "" : line.substr(first, line.find_last_not_of(" \t") - first + 1);
    if (eof) std::cout << std::endl;  // piped answers: keep the transcript's lines apart
    return line.empty() ? defaultAnswer : line;
}

[[noreturn]] void noAnswer(const std::string& question) {
    throw std::runtime_error("No valid answer on standard input to \"" + question + "\"");
}

}  // namespace

bool askBool(const std::string& question, const std::string& defaultAnswer) {
    for (;;) {
        bool eof = false;
        std::string a = answer(question, defaultAnswer, eof);
        std::transform(a.begin(), a.end(), a.begin(), [](unsigned char c) { return std::tolower(c); });
        if (a == "yes" || a == "y") return true;
        if (a == "no" || a == "n") return false;
        if (eof) noAnswer(question);
        std::cerr << "Invalid input, try again.\n" << std::endl;
    }
}

std::string askString(const std::string& question, const std::string& defaultAnswer,
                      const std::function<std::string(const std::string&)>& check) {
    for (;;) {
        bool eof = false;
        const std::string a = answer(question, defaultAnswer, eof);
        const std::string why = check ? check(a) : (a.empty() ? "an answer is required" : "");
        if (why.empty()) return a;
        if (eof) noAnswer(question);
        std::cerr << "Invalid input: " << why << "\n" << std::endl;
    }
}

}  // namespace lxdp::daemon
