// strata/orm.hpp - the ORM: session, query<T>, load_only, keyset pagination.
#pragma once

#include "strata/orm/bulk.hpp"
#include "strata/orm/identity_map.hpp"
#include "strata/orm/keyset.hpp"
#include "strata/orm/load_only.hpp"
#include "strata/orm/mapper.hpp"
#include "strata/orm/model.hpp"
#include "strata/orm/pending_query.hpp"
#include "strata/orm/query.hpp"
#include "strata/orm/ref.hpp"
#include "strata/orm/session.hpp"
#include "strata/orm/strategies.hpp"
#include "strata/schema/deferred.hpp"
