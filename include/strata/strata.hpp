// strata/strata.hpp - the driver-independent Core: core, driver interface, engine, SQL and schema.
//
// The ORM (session, query<T>) is strata/orm.hpp, so Core-only users do not compile it.
//
// Include strata/sqlite.hpp and/or strata/postgresql.hpp as well to make those URL schemes work
// (and link strata::sqlite / strata::postgresql).
#pragma once

#include "strata/core/error.hpp"
#include "strata/core/type_traits.hpp"
#include "strata/core/url.hpp"
#include "strata/core/value.hpp"
#include "strata/driver/connection.hpp"
#include "strata/driver/registry.hpp"
#include "strata/engine/connection.hpp"
#include "strata/engine/engine.hpp"
#include "strata/engine/events.hpp"
#include "strata/engine/options.hpp"
#include "strata/engine/pending.hpp"
#include "strata/engine/pool.hpp"
#include "strata/engine/result.hpp"
#include "strata/engine/statement_counter.hpp"
#include "strata/sql.hpp"
