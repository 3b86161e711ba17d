// Everything mfstate offers, in one include.
#pragma once

#include "mfstate/error.hpp"
#include "mfstate/key.hpp"
#include "mfstate/runtime.hpp"
#include "mfstate/value.hpp"
