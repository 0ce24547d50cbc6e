// strata/sql.hpp - the SQL expression language, statements and their compiler (Core), plus mapping and DDL.
#pragma once

#include "strata/schema/ddl.hpp"
#include "strata/schema/mapping.hpp"
#include "strata/sql/compiler.hpp"
#include "strata/sql/cte.hpp"
#include "strata/sql/dml.hpp"
#include "strata/sql/expression.hpp"
#include "strata/sql/functions.hpp"
#include "strata/sql/node.hpp"
#include "strata/sql/select.hpp"
#include "strata/sql/statement_core.hpp"
#include "strata/sql/subquery.hpp"
#include "strata/sql/window.hpp"
