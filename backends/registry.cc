#include <stdexcept>
#include <string>

#include "backends/backend.h"
#include "backends/subinterp/subinterp_backend.h"
#include "backends/subprocess/subprocess_backend.h"
#include "backends/thread/thread_backend.h"
#include "core/row_catalogue.h"

namespace interpbench {

// The backend rows of the catalogue; each needs a case below.
std::vector<std::string> backend_names() { return row_names(RowKind::kBackend); }

std::unique_ptr<Backend> make_backend(std::string_view name, const BackendOptions& options) {
  if (name == "subinterp") return make_subinterp_backend(options);
  if (name == "subprocess") return make_subprocess_backend(options);
  if (name == "thread") return make_thread_backend(options);
  throw std::invalid_argument("unknown backend '" + std::string(name) + "'");
}

}  // namespace interpbench
