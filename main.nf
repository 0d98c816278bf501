#!/usr/bin/env nextflow
/*
 * scratchflow: per-mouse scratching counts from videos of mice.
 *
 *   nextflow run . -profile test,docker
 *   nextflow run . --input videos/ --model dlc_project/ --outdir results -profile docker
 *   nextflow run . --input samplesheet.csv --model s3://bucket/dlc_project -profile awsbatch
 *   nextflow run . --arena open --input videos/ --pose_input tracks/ --colours red,green
 *
 * See docs/nextflow.md.
 */

include { PIPELINE_INITIALISATION } from './subworkflows/local/pipeline_initialisation'
include { SCRATCHFLOW             } from './workflows/scratchflow'
include { SCRATCHFLOW_OPEN_ARENA  } from './workflows/scratchflow'

workflow {

    main:
    // Validates the parameters with nf-schema and reads --input (folder or samplesheet).
    PIPELINE_INITIALISATION(params.input, params.experiment, params.validate_params,
        params.arena, params.pose_input, params.colours)

    def detector_params = params.params_yaml ? file(params.params_yaml, checkIfExists: true) : []

    if (params.arena == 'open') {
        def identity_params = params.identity_params ? file(params.identity_params, checkIfExists: true) : []
        SCRATCHFLOW_OPEN_ARENA(PIPELINE_INITIALISATION.out.arenas, identity_params, detector_params)
    }
    else {
        def model = file(params.model, checkIfExists: true)
        def behaviour_model = params.behaviour_model ? file(params.behaviour_model, checkIfExists: true) : []
        SCRATCHFLOW(PIPELINE_INITIALISATION.out.raw, model, detector_params, behaviour_model)
    }
}
