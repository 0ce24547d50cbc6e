// strata's driver-independent definitions compiled once: the body of strata::strata when strata is
// configured with -DSTRATA_SEPARATE_COMPILATION=ON (see docs/design.md, "Compile cost").
//
// A program that is not built with CMake compiles this file (and src/sqlite_driver.cpp and/or
// src/postgresql_driver.cpp) once, with -DSTRATA_SEPARATE_COMPILATION on every source file.
#include "strata/core/impl/decimal.hpp"
#include "strata/core/impl/error.hpp"
#include "strata/core/impl/function_registry.hpp"
#include "strata/core/impl/json.hpp"
#include "strata/core/impl/url.hpp"
#include "strata/core/impl/uuid.hpp"
#include "strata/driver/impl/registry.hpp"
#include "strata/engine/impl/connection.hpp"
#include "strata/engine/impl/engine.hpp"
#include "strata/engine/impl/pool.hpp"
#include "strata/orm/impl/identity_map.hpp"
#include "strata/orm/impl/model_objects.hpp"
#include "strata/orm/impl/object_state.hpp"
#include "strata/orm/impl/query_base.hpp"
#include "strata/orm/impl/relationship_keys.hpp"
#include "strata/orm/impl/relationship_load.hpp"
#include "strata/orm/impl/relationship_member.hpp"
#include "strata/orm/impl/session.hpp"
#include "strata/orm/impl/write_statements.hpp"
#include "strata/schema/impl/ddl.hpp"
#include "strata/sql/impl/compiler.hpp"
#include "strata/sql/impl/json.hpp"
#include "strata/sql/impl/node.hpp"
#include "strata/sql/impl/statement_core.hpp"
