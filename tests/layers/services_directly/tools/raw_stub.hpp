// A file that sees the services without how chaird reads their requests.
#pragma once
#include "chair/v1/control.grpc.pb.h"
