import { createRequire } from "node:module";
import hardhatToolboxMochaEthers from "@nomicfoundation/hardhat-toolbox-mocha-ethers";
import { defineConfig } from "hardhat/config";

// Offline compilers: the npm `solc` packages ship wasm builds, so Hardhat never downloads one.
// The npm versions are pinned to exactly the versions declared here (package.json).
const require = createRequire(import.meta.url);
const SOLC_0_8_28 = require.resolve("solc/soljson.js");
const SOLC_0_8_19 = require.resolve("solc-0.8.19/soljson.js");

// One optimizer setting for tests, the gas benchmark and deployments alike (see README).
const OPTIMIZER = { enabled: true, runs: 200 } as const;

export default defineConfig({
  plugins: [hardhatToolboxMochaEthers],
  paths: {
    sources: { solidity: ["contracts", "fuses"] },
  },
  solidity: {
    compilers: [
      { version: "0.8.28", path: SOLC_0_8_28, settings: { optimizer: OPTIMIZER, evmVersion: "cancun" } },
      // Morpho Blue pins `pragma solidity 0.8.19`; it is built from its npm sources with that compiler.
      { version: "0.8.19", path: SOLC_0_8_19, settings: { optimizer: OPTIMIZER } },
    ],
    npmFilesToBuild: [
      "@openzeppelin/contracts/access/manager/AccessManager.sol",
      // The alpha reads token balances through its binding (scripts/alpha/chain/contracts.ts).
      "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol",
      "@morpho-org/morpho-blue/src/Morpho.sol",
      "@morpho-org/morpho-blue/src/mocks/IrmMock.sol",
      "@morpho-org/morpho-blue/src/mocks/OracleMock.sol",
    ],
  },
  networks: {
    // A separate local node (anvil from npm, or `npx hardhat node`) for multi-command sessions.
    localhost: { type: "http", chainType: "l1", url: "http://127.0.0.1:8545" },
    // anvil from npm (`npx anvil --host 127.0.0.1 --port 8547`), as the tests start it.
    anvil: { type: "http", chainType: "l1", url: "http://127.0.0.1:8547" },
  },
});
