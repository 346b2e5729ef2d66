/**
 * Calls a fuse's functions directly, in a vault-like context (contracts/test/FuseHarness.sol: the vault's ERC-7201
 * storage and `asset()`, nothing else), so tests can read what the vault itself will ask a fuse — its valuation
 * keys, its `instantWithdrawable()`, its `marketValuation()` — and prove that the read-only ones write no state
 * (`probe` runs them inside a static call). Keys are recomputed here from their definition (ValuationKeys.sol),
 * independently of the Solidity library.
 */
import { AbiCoder, keccak256, toUtf8Bytes, zeroPadValue } from "ethers";
import type { BaseContract, ContractTransactionReceipt, Interface, Result } from "ethers";
import type { NetworkConnection } from "hardhat/types/network";
import type { FuseHarness } from "../../types/ethers-contracts/index.js";

type Ethers = NetworkConnection["ethers"];
const abi = AbiCoder.defaultAbiCoder();
const kind = (name: string): string => keccak256(toUtf8Bytes(`fusebox.valuation.${name}`));

/** ValuationKeys, restated from its definition. */
export const keys = {
  tokenBalance: (token: string): string => keccak256(abi.encode(["bytes32", "address"], [kind("tokenBalance"), token])),
  account: (venue: string): string => keccak256(abi.encode(["bytes32", "address"], [kind("account"), venue])),
  position: (venue: string, id: string): string =>
    keccak256(abi.encode(["bytes32", "address", "bytes32"], [kind("position"), venue, id])),
};

export interface Valuation {
  equity: bigint;
  grossNotional: bigint;
  debt: bigint;
}

export interface Harnessed {
  harness: FuseHarness;
  address: string;
  /** Grant `substrates` (addresses are left-padded; 32-byte ids pass through) to `marketId`. */
  grant(marketId: bigint, substrates: string[]): Promise<void>;
  /** Run `fn(args)` of `fuse` by delegatecall (a transaction); reverts bubble. */
  run(fuse: BaseContract, fn: string, args?: unknown[]): Promise<ContractTransactionReceipt>;
  /** Simulate `fn(args)` of `fuse` (eth_call of `run`: writes allowed and discarded), decoded with the fuse's ABI. */
  call(fuse: BaseContract, fn: string, args?: unknown[]): Promise<Result>;
  /** A balance fuse's `marketValuation()` (simulated: a cache it writes is discarded). */
  valuation(balanceFuse: BaseContract): Promise<Valuation>;
  /** In one transaction: `instantWithdrawable()` then `instantWithdraw(assets)`; the promise and what arrived. */
  measureInstantWithdraw(fuse: BaseContract, assets: bigint): Promise<{ promised: bigint; brought: bigint }>;
  /** Read `fn(args)` of `fuse` inside a static call (reverts if it writes state); decoded with the fuse's ABI. */
  probe(fuse: BaseContract, fn: string, args?: unknown[]): Promise<Result>;
}

export async function deployHarness(ethers: Ethers, asset: string, priceOracle: string): Promise<Harnessed> {
  const harness = (await ethers.deployContract("FuseHarness", [asset, priceOracle])) as unknown as FuseHarness;
  const address = await harness.getAddress();
  const encode = (fuse: BaseContract, fn: string, args: unknown[]): string =>
    (fuse.interface as Interface).encodeFunctionData(fn, args);
  return {
    harness,
    address,
    async grant(marketId, substrates) {
      const padded = substrates.map((s) => (s.length === 42 ? zeroPadValue(s, 32) : s));
      await (await harness.grantSubstrates(marketId, padded)).wait();
    },
    async run(fuse, fn, args = []) {
      const receipt = await (await harness.run(await fuse.getAddress(), encode(fuse, fn, args))).wait();
      if (receipt === null) throw new Error("no receipt");
      return receipt;
    },
    async call(fuse, fn, args = []) {
      const raw = await harness.run.staticCall(await fuse.getAddress(), encode(fuse, fn, args));
      return (fuse.interface as Interface).decodeFunctionResult(fn, raw);
    },
    async valuation(balanceFuse) {
      const raw = await harness.run.staticCall(await balanceFuse.getAddress(), encode(balanceFuse, "marketValuation", []));
      const [equity, grossNotional, debt] = abi.decode(["uint256", "uint256", "uint256"], raw) as unknown as bigint[];
      if (equity === undefined || grossNotional === undefined || debt === undefined) throw new Error("valuation");
      return { equity, grossNotional, debt };
    },
    async measureInstantWithdraw(fuse, assets) {
      const address = await fuse.getAddress();
      const [promised, brought] = await harness.measureInstantWithdraw.staticCall(address, assets);
      await (await harness.measureInstantWithdraw(address, assets)).wait();
      return { promised, brought };
    },
    async probe(fuse, fn, args = []) {
      const raw = await harness.probe(await fuse.getAddress(), encode(fuse, fn, args));
      return (fuse.interface as Interface).decodeFunctionResult(fn, raw);
    },
  };
}
