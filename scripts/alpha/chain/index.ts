/** The alpha's chain layer: book, reads, action mapping, AlphaChain over ethers. */
export * from "./abi.js";
export * from "./actions.js";
export * from "./alphaChain.js";
export * from "./book.js";
export * from "../../lib/revert.js";
export * from "./read.js";
export * from "./live.js";
