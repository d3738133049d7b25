#pragma once
// Errors that end a command. Thrown anywhere, caught once in main:
//   BadInput  -> one line "interpbench: <what>" on stderr, exit 2 (bad arguments, files, schema)
//   RunFailed -> one line on stderr, exit 1 (the run itself could not be carried out)
#include <stdexcept>

namespace interpbench {

struct BadInput : std::runtime_error {
  using std::runtime_error::runtime_error;
};
struct RunFailed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace interpbench
