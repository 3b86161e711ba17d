// Internal: everything the query cache's sources share, in one include. The parts live in their
// own headers: query_async.hpp (futures, completions), query_pool.hpp, query_index.hpp (the key
// trie), query_entry.hpp (one query and its transitions), query_retryer.hpp,
// query_observer_impl.hpp, mutation_impl.hpp and query_client_core.hpp (the client's parts).
#pragma once

#include "mutation_impl.hpp"
#include "query_async.hpp"
#include "query_client_core.hpp"
#include "query_entry.hpp"
#include "query_index.hpp"
#include "query_observer_impl.hpp"
#include "query_retryer.hpp"
