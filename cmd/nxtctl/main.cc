// nxtctl: the command-line client of nxtd. Everything is in RunNxtctl (nxtctl.h).
#include <iostream>

#include "cmd/nxtctl/nxtctl.h"

int main(int argc, char** argv) { return nxt::nxtctl::RunNxtctl(argc, argv, std::cout, std::cerr); }
