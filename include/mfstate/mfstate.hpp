// Everything mfstate offers, in one include.
#pragma once

#include "mfstate/compat.hpp"
#include "mfstate/contract.hpp"
#include "mfstate/error.hpp"
#include "mfstate/key.hpp"
#include "mfstate/manifest.hpp"
#include "mfstate/mutation.hpp"
#include "mfstate/query.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"
#include "mfstate/store.hpp"
#include "mfstate/bus.hpp"
#include "mfstate/inspector.hpp"
#include "mfstate/host.hpp"
